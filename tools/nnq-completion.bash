# bash completion for nnq: commands, options, file names by kind, and the config keys after
# --set (asked of nnq itself, `nnq --list-keys`, so they are always this build's keys).
# Installed as share/bash-completion/completions/nnq; to try it from a checkout:
#   source tools/nnq-completion.bash
_nnq() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local nnq=${COMP_WORDS[0]} cmd=${COMP_WORDS[1]:-}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "simulate converge check info --help --help-config --version --man --list-keys" -- "$cur"))
        return
    fi
    case "$prev" in
    --set)
        COMPREPLY=($(compgen -S = -W "$("$nnq" --list-keys 2>/dev/null)" -- "$cur"))
        compopt -o nospace 2>/dev/null
        return
        ;;
    -o | --output | --resume)
        COMPREPLY=($(compgen -f -X '!*.h5' -- "$cur") $(compgen -d -S / -- "$cur"))
        compopt -o nospace 2>/dev/null
        return
        ;;
    --threads)
        COMPREPLY=($(compgen -W "1 2 4 8 16" -- "$cur"))
        return
        ;;
    esac
    local opts="" files='!*.ini'
    case "$cmd" in
    simulate) opts="-o --output --set --threads --force --quiet --resume" ;;
    converge) opts="-o --output --set --levels --threads --force --quiet" ;;
    check) opts="--set" ;;
    info) opts="--csv" files='!*.h5' ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -X "$files" -- "$cur") $(compgen -d -S / -- "$cur"))
        compopt -o nospace 2>/dev/null
    fi
}
complete -F _nnq nnq
