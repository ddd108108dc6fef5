#!/usr/bin/env bash
# Builds Loom's front-end assets: installs the npm packages pinned in
# package-lock.json and copies the minified files the UI needs into
# static/vendor/, which the Loom binary embeds. Safe to run again: it installs
# only when node_modules is missing or was installed from another lock file,
# and copies only files that changed. static/vendor/ is not committed.
set -euo pipefail
shopt -s nullglob

cd "$(dirname "${BASH_SOURCE[0]}")"

lock_hash() { sha256sum package-lock.json | cut -d' ' -f1; }

stamp=node_modules/.loom-lock.sha256
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$(lock_hash)" ]]; then
	if ! command -v npm >/dev/null; then
		echo "web/build.sh: npm is missing; install Node.js and npm (apt-get install nodejs npm)" >&2
		exit 1
	fi
	echo "web/build.sh: installing npm packages from package-lock.json"
	npm ci --no-audit --no-fund --ignore-scripts
	lock_hash >"$stamp"
fi

vendor=static/vendor
mkdir -p "$vendor"

# source path in node_modules → file name in static/vendor. The licence
# texts travel with the code they cover, inside the binary.
declare -A files=(
	[node_modules/htmx.org/dist/htmx.min.js]=htmx.min.js
	[node_modules/htmx.org/LICENSE]=htmx.LICENSE.txt
	[node_modules/echarts/dist/echarts.min.js]=echarts.min.js
	[node_modules/echarts/LICENSE]=echarts.LICENSE.txt
	[node_modules/echarts/NOTICE]=echarts.NOTICE.txt
	[node_modules/zrender/LICENSE]=zrender.LICENSE.txt
)

for src in "${!files[@]}"; do
	dst="$vendor/${files[$src]}"
	if [[ ! -f "$src" ]]; then
		echo "web/build.sh: $src is missing; delete web/node_modules and run again" >&2
		exit 1
	fi
	if ! cmp -s "$src" "$dst"; then
		cp "$src" "$dst.tmp"
		mv "$dst.tmp" "$dst"
		echo "web/build.sh: copied $dst"
	fi
done

# Drop anything in vendor/ that is no longer listed, so the binary embeds only what the UI uses.
for f in "$vendor"/*; do
	name=$(basename "$f")
	keep=false
	for want in "${files[@]}"; do
		[[ "$name" == "$want" ]] && keep=true
	done
	if [[ "$keep" == false ]]; then
		rm -f -- "$f"
		echo "web/build.sh: removed stale $f"
	fi
done
