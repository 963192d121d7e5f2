# Sourced by run-local.sh: add_demo_user NAME PASSWORD, with an admin() function defined by the caller.
# Only "that name is already taken" is tolerated; any other failure (a refused name or password,
# storage or settings trouble) is shown and returned, so run-local.sh stops.
add_demo_user() {
  local name="$1" password="$2" errors status=0
  errors=$(mktemp)
  printf '%s\n' "$password" | admin users add "$name" 2>"$errors" || status=$?
  if [ "$status" -eq 0 ]; then
    rm -f "$errors"
    return 0
  fi

  if [ "$status" -eq 1 ] && grep -qx "The username '.*' is already taken\." "$errors" && [ "$(wc -l <"$errors")" -eq 1 ]; then
    rm -f "$errors"
    echo "User $name already exists."
    return 0
  fi

  cat "$errors" >&2
  rm -f "$errors"
  echo "Adding the demo user $name failed (exit code $status)." >&2
  return "$status"
}
