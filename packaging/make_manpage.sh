#!/usr/bin/env bash
# Writes neuronscope-cli.1 (troff) from the program's own --help texts, so the man page
# always says what the program does.   make_manpage.sh CLI OUT
set -euo pipefail
cli=$1
out=$2
esc() { sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\&'/"; }
{
  echo '.TH NEURONSCOPE-CLI 1 "" "NeuronScope" "User Commands"'
  echo '.SH NAME'
  echo 'neuronscope-cli \- explain the neurons of a language model from the command line'
  echo '.SH SYNOPSIS'
  echo '.B neuronscope-cli'
  echo '.I COMMAND'
  echo '[options]'
  echo '.SH DESCRIPTION'
  echo '.nf'
  QT_QPA_PLATFORM=offscreen "$cli" --help | esc
  echo '.fi'
  echo '.SH COMMANDS'
  for cmd in $(QT_QPA_PLATFORM=offscreen "$cli" --help | awk '/^Commands:/{on=1; next} on && NF {print $1} on && !NF {exit}'); do
    echo ".SS $cmd"
    echo '.nf'
    QT_QPA_PLATFORM=offscreen "$cli" "$cmd" --help | esc
    echo '.fi'
  done
  echo '.SH FILES'
  echo 'The cache defaults to ~/.cache/neuronscope/cache.sqlite. The embedded model, corpus and'
  echo 'prompts are in /usr/share/neuronscope (or $NEURONSCOPE_RESOURCES).'
  echo '.SH SEE ALSO'
  echo '.BR neuronscope (1)'
} > "$out"
