/* stepper.c - the table of descriptions a run evolves (see include/nnq/stepper.h). */
#include "nnq/stepper.h"

#include <string.h>

const struct nnq_stepper_ops *const nnq_steppers[] = {
    &nnq_stepper_schrodinger, /* the reference: first */
    &nnq_stepper_madelung,
    &nnq_stepper_classical,
    NULL,
};
_Static_assert(sizeof nnq_steppers / sizeof nnq_steppers[0] - 1 <= NNQ_STEPPERS_MAX,
               "a run holds at most NNQ_STEPPERS_MAX steppers: raise it with the table");

int nnq_stepper_view(const struct nnq_stepper_env *env, const char *name, struct nnq_view *v) {
    for (int k = 0; k < env->count; k++)
        if (strcmp(env->ops[k]->name, name) == 0 && env->self[k]) {
            env->ops[k]->view(env->self[k], v);
            nnq_view_check(v);
            return 1;
        }
    return 0;
}
