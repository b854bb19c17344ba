#!/bin/sh
# The shell completions: the bash one completes commands, options, option
# values and (under the simulator) probe serials; zsh and fish load theirs
# (syntax check) where those shells are installed, and fish completes too.
# Usage: completions.sh SWDSIM SWDFLASH BASH_COMPLETION ZSH_COMPLETION FISH_COMPLETION
. "$(dirname "$0")/lib.sh"
sim=$1
cli=$2
bash_file=$3
zsh_file=$4
fish_file=$5
PATH=$(cd "$(dirname "$cli")" && pwd):$PATH
export PATH

# complete WORDS...: what the bash completion offers for the last word.
cat >"$tmp/complete.bash" <<'EOS'
. "$1"
shift
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
_swdflash
printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
EOS
complete() {
  bash "$tmp/complete.bash" "$bash_file" swdflash "$@"
}

# expect_completion EXPECTED WORDS...: the sorted offers equal EXPECTED.
expect_completion() {
  want=$1
  shift
  got=$(complete "$@")
  if [ "$got" = "$want " ]; then
    pass
  else
    fail "completing 'swdflash $*': got '$got', expected '$want'"
  fi
}

if ! command -v bash >/dev/null 2>&1; then
  echo "SKIP: bash is not installed"
  exit 77
fi
bash -n "$bash_file" || fail "the bash completion does not parse"
expect_completion "write" wr
expect_completion "read rescue reset" re
expect_completion "--connect" --con
expect_completion "under-reset" --connect u
expect_completion "auto hot-plug normal under-reset" -c ''
expect_completion "--verbose --verify" write --ver
expect_completion "readback" write --verify r
expect_completion "crc none readback" write fw.bin --verify ''
expect_completion "crc readback" verify --verify ''
expect_completion "bin hex" read 0x08000000 1K out.bin --format ''
expect_completion "auto bin elf ihex srec" -v write --format ''
expect_completion "--mass-erase" write --mas
expect_completion "--mass" erase --mas
expect_completion "--i-understand-this-is-irreversible" options --i-
expect_completion "unlock" help unl
# bash splits --method=l into three words at the "=".
expect_completion "loader" write --method = l
# chips completes the chip ids of the database (`swdflash chips`).
expect_completion "stm32f4-446" chips stm32f4-44
expect_completion "stm32g0-03x stm32g0-05x stm32g0-07x stm32g0-0bx" chips stm32g0
expect_completion "check-bootloader chips" ch
# A file argument completes file names.
touch "$tmp/katapult.bin"
expect_completion "$tmp/katapult.bin" write "$tmp/kat"

if [ -n "$sim" ] && [ -x "$sim" ]; then
  got=$("$sim" run --probe v3:AAAA1111 --probe v3:BBBB2222 -- \
    bash "$tmp/complete.bash" "$bash_file" swdflash --serial '')
  expect_match "$got" "^AAAA1111 BBBB2222 $" "--serial completes the serials of the probes"
  got=$("$sim" run --probe v3:AAAA1111 --probe v3:BBBB2222 -- \
    bash "$tmp/complete.bash" "$bash_file" swdflash info -s B)
  expect_match "$got" "^BBBB2222 $" "-s completes a serial prefix"
else
  echo "swdsim is not built: probe serial completion not checked"
fi

if command -v zsh >/dev/null 2>&1; then
  if zsh -n "$zsh_file"; then pass; else fail "the zsh completion does not parse"; fi
  expect_match "$(head -1 "$zsh_file")" "^#compdef swdflash$" "the zsh completion declares its command"
  # compinit registers it for swdflash and the function loads.
  mkdir "$tmp/zfunc"
  cp "$zsh_file" "$tmp/zfunc/_swdflash"
  got=$(HOME=$tmp zsh -f -c "fpath=('$tmp/zfunc' \$fpath); autoload -U compinit;
    compinit -u -D; print -r -- \${_comps[swdflash]}; autoload +X _swdflash && print loaded" 2>&1)
  expect_match "$got" "^_swdflash" "compinit registers the zsh completion for swdflash"
  expect_match "$got" "loaded" "the zsh completion function loads"
else
  echo "zsh is not installed: zsh completion not checked"
fi

if command -v fish >/dev/null 2>&1; then
  if fish -n "$fish_file"; then pass; else fail "the fish completion does not parse"; fi
  got=$(HOME=$tmp XDG_CONFIG_HOME=$tmp fish --no-config -c "source '$fish_file'; complete -C 'swdflash wr'")
  expect_match "$got" "^write" "fish completes the commands"
  got=$(HOME=$tmp XDG_CONFIG_HOME=$tmp fish --no-config -c "source '$fish_file'; complete -C 'swdflash write --method '")
  expect_match "$got" "registers" "fish completes option values"
  got=$(HOME=$tmp XDG_CONFIG_HOME=$tmp fish --no-config -c "source '$fish_file'; complete -C 'swdflash chips stm32f4-4'")
  expect_match "$got" "stm32f4-446" "fish completes chip ids"
else
  echo "fish is not installed: fish completion not checked"
fi
finish
