#!/usr/bin/env bash
# Renders every SVG chart under a folder (default: output/, where `make demo` writes them) to PNG
# with headless Chromium, so the charts can be looked at as a reader sees them.
#
#   scripts/render-charts.sh [SOURCE_DIR [PNG_DIR]]      (default: output output/png)
#
# Each PNG keeps the chart's folder path, with '/' turned into '--' (explore/top-by-mean.svg ->
# explore--top-by-mean.png), and is rendered at the chart's own width and height (read from its
# root <svg> element). Uses $CHROMIUM, else chromium / chromium-browser / google-chrome; falls
# back to rsvg-convert (librsvg) when no Chromium is installed.
set -euo pipefail
SOURCE="${1:-output}"
DEST="${2:-$SOURCE/png}"
[ -d "$SOURCE" ] || { echo "render-charts: no folder '$SOURCE' (run 'make demo' first)" >&2; exit 1; }
mkdir -p "$DEST"
DEST_ABS="$(cd "$DEST" && pwd)"

BROWSER="${CHROMIUM:-}"
if [ -z "$BROWSER" ]; then
    for candidate in chromium chromium-browser google-chrome; do
        if command -v "$candidate" > /dev/null; then BROWSER="$candidate"; break; fi
    done
fi
if [ -z "$BROWSER" ] && ! command -v rsvg-convert > /dev/null; then
    echo "render-charts: needs Chromium (or rsvg-convert); install the 'chromium' package" >&2
    exit 1
fi

# The root element's width or height attribute, as a whole number of pixels (default 800 x 600).
attribute() {
    local value
    value="$(grep -o -m1 "<svg [^>]*" "$1" | grep -o " $2=\"[0-9.]*\"" | head -1 | grep -o '[0-9.]*' || true)"
    printf '%.0f' "${value:-$3}"
}

count=0
PROFILE="$(mktemp -d)"
trap 'rm -rf "$PROFILE"' EXIT
while IFS= read -r -d '' svg; do
    relative="${svg#"$SOURCE"/}"
    name="${relative%.svg}"
    png="$DEST_ABS/${name//\//--}.png"
    width="$(attribute "$svg" width 800)"
    height="$(attribute "$svg" height 600)"
    if [ -n "$BROWSER" ]; then
        "$BROWSER" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$PROFILE" \
            --window-size="$width,$height" --screenshot="$png" "file://$(cd "$(dirname "$svg")" && pwd)/$(basename "$svg")" \
            > /dev/null 2>&1
    else
        rsvg-convert --width "$width" --height "$height" --background-color white -o "$png" "$svg"
    fi
    if [ -s "$png" ]; then
        echo "$png (${width}x${height})"
        count=$((count + 1))
    else
        echo "render-charts: could not render $svg" >&2
    fi
done < <(find "$SOURCE" -name '*.svg' -not -path "$DEST_ABS/*" -print0 | sort -z)
echo "Rendered $count chart(s) to $DEST/"
