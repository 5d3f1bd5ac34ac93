quit() {
  trap - EXIT HUP INT TERM
  rm -rf "$work"
  exit "$1"
}
trap 'quit $?' EXIT
trap 'quit 129' HUP
trap 'quit 130' INT
trap 'quit 143' TERM
