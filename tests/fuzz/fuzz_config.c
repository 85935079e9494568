/*
 * fuzz_config.c - libFuzzer target: INI text plus --set overrides through the config parser
 * and validator. The input is the INI text; lines after a line "#--set" become overrides.
 * Whatever the input, nnq_config_load_string must return a status (never crash, read out of
 * bounds or leak) and, on NNQ_OK, a config whose dump reloads to the same hbar and steps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nnq/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static struct nnq_config cfg, again;
    static char dump[NNQ_KEY_COUNT * 2 * NNQ_STR_MAX];
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    const char *sets[16];
    int nsets = 0;
    char *marker = strstr(text, "#--set\n");
    if (marker) {
        *marker = '\0';
        for (char *line = strtok(marker + 7, "\n"); line && nsets < 16; line = strtok(NULL, "\n"))
            sets[nsets++] = line;
    }
    struct nnq_err err = {0};
    if (nnq_config_load_string(text, "fuzz.ini", sets, nsets, &cfg, &err) == NNQ_OK) {
        nnq_config_dump(&cfg, dump, sizeof dump);
        if (nnq_config_load_string(dump, "dump", NULL, 0, &again, &err) != NNQ_OK ||
            again.hbar != cfg.hbar || again.steps != cfg.steps)
            abort(); /* the stored config must reload to the same run */
    } else if (err.code != NNQ_ERR_CONFIG && err.code != NNQ_ERR_RUNTIME)
        abort();
    free(text);
    return 0;
}
