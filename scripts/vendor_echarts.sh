#!/usr/bin/env bash
# Re-vendor Apache ECharts from the npm registry at the pinned version and check the tarball's
# hash, so static/vendor/ is reproducible and nothing is fetched from a CDN at run time.
set -euo pipefail
VERSION=6.1.0
SHA256=681aff88cc1038c3fa941a3a53d1b177a52250b05335efc607d6105ae13be481
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT
(cd "$TMP" && npm pack "echarts@$VERSION" -q >/dev/null)
echo "$SHA256  $TMP/echarts-$VERSION.tgz" | sha256sum -c -
tar xzf "$TMP/echarts-$VERSION.tgz" -C "$TMP"
DEST="$ROOT/static/vendor/echarts-$VERSION"
mkdir -p "$DEST"
cp "$TMP/package/dist/echarts.min.js" "$TMP/package/LICENSE" "$TMP/package/NOTICE" "$DEST/"
echo "vendored echarts $VERSION into $DEST"
