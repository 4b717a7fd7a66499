# What every script here shares (sourced).
project=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# die MESSAGE: the one line a user sees for bad input; exit 2.
die() { echo "error: $*" >&2; exit 2; }
say() { echo "$*" >&2; }

# option_value NAME ARGS...: the value of --NAME=value among ARGS (last one wins), or nothing.
option_value() {
  local name=$1 value=""; shift
  for a in "$@"; do [[ $a == --$name=* ]] && value=${a#--"$name"=}; done
  echo "$value"
}
