#!/bin/sh
# Runs a command under Node >= 24 with the project's dependencies installed.
#
#   sh build/run.sh <command> [args...]
#
# When the machine's Node is older (Debian 12 ships Node 20), Node 24 is fetched
# from the npm registry (package node-<os>-<arch>@24, which carries the binary)
# into .cache/node/ and put first on PATH. No root, no download from nodejs.org.
# On a machine that already has Node 24 nothing is fetched.
#
# Dependencies are (re)installed with `npm ci` whenever package-lock.json differs
# from the one the current node_modules was installed from.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
required_major=24

node_major() {
  "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

ensure_node() {
  if command -v node >/dev/null 2>&1 && [ "$(node_major node)" -ge "$required_major" ]; then
    return 0
  fi
  cached="$root/.cache/node/v$required_major"
  if [ ! -x "$cached/bin/node" ] || [ "$(node_major "$cached/bin/node")" -lt "$required_major" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "GovDesk needs Node.js >= $required_major, or npm to fetch it from the npm registry; neither was found." >&2
      exit 1
    fi
    case "$(uname -s)" in
      Linux) os=linux ;;
      Darwin) os=darwin ;;
      *) echo "No Node $required_major package for $(uname -s); install Node >= $required_major yourself." >&2; exit 1 ;;
    esac
    case "$(uname -m)" in
      x86_64 | amd64) arch=x64 ;;
      aarch64 | arm64) arch=arm64 ;;
      *) echo "No Node $required_major package for $(uname -m); install Node >= $required_major yourself." >&2; exit 1 ;;
    esac
    echo "[govdesk] Node $(node --version 2>/dev/null || echo none) is older than $required_major: fetching node-$os-$arch@$required_major from the npm registry into .cache/node" >&2
    mkdir -p "$root/.cache/node"
    staging=$(mktemp -d "$root/.cache/node/fetch.XXXXXX")
    (cd "$staging" && npm pack "node-$os-$arch@$required_major" --silent >/dev/null 2>&1) || {
      rm -rf "$staging"
      echo "Could not fetch node-$os-$arch@$required_major from the npm registry." >&2
      exit 1
    }
    tar -xzf "$staging"/node-*.tgz -C "$staging"
    rm -rf "$cached"
    mv "$staging/package" "$cached"
    rm -rf "$staging"
  fi
  PATH="$cached/bin:$PATH"
  export PATH
}

lock_digest() {
  node -e 'process.stdout.write(require("crypto").createHash("sha256").update(require("fs").readFileSync(process.argv[1])).digest("hex"))' "$root/package-lock.json"
}

ensure_dependencies() {
  [ -f "$root/package-lock.json" ] || return 0
  stamp="$root/node_modules/.govdesk-lock"
  want=$(lock_digest)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "[govdesk] installing dependencies (npm ci)" >&2
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
  printf '%s' "$want" >"$stamp"
}

ensure_node
ensure_dependencies
PATH="$root/node_modules/.bin:$PATH"
export PATH
cd "$root"
exec "$@"
