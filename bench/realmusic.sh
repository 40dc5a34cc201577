#!/bin/bash
# Builds a real-music evaluation corpus from the game soundtracks that Debian packages:
# one folder per soundtrack (the label), tracks of at least 30 s, at most 40 per soundtrack.
# About 210 tracks in 11 folders (~600 MB of downloads), all OGG Vorbis; the music is free (see each
# package's copyright file, kept beside its folder as COPYRIGHT-<package>).
#
#   bash bench/realmusic.sh [DEST]        (default DEST: ~/.cache/songsim-realmusic)
#
# Needs apt-get (Debian's archive), dpkg-deb, unzip and a Python with soundfile.
# Prints the corpus folder on its last line. Idempotent: a finished corpus is reused.
set -euo pipefail
dest=${1:-${REALMUSIC:-$HOME/.cache/songsim-realmusic}}
py=${PYTHON:-python3}
[ -f "$dest/corpus/.done" ] && { echo "$dest/corpus"; exit 0; }
pkgs="ufoai-music blobwars-data supertux-data widelands-data hedgewars-data freedroidrpg-data flare-game extremetuxracer-data megaglest-data openclonk-data xmoto-data"
mkdir -p "$dest/debs" "$dest/x"
cd "$dest/debs"
missing=""
for p in $pkgs; do ls ${p}_*.deb >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  apt-get download $missing >/dev/null 2>&1 || { apt-get update -q >/dev/null; apt-get download $missing >/dev/null; }
fi
cd "$dest"
for n in $pkgs; do
  f=$(ls debs/${n}_*.deb | head -1)
  [ -d "x/$n" ] || { mkdir -p "x/$n.tmp" && dpkg-deb -x "$f" "x/$n.tmp" && mv "x/$n.tmp" "x/$n"; }
done
[ -d x/ufoai-pk3 ] || { mkdir -p x/ufoai-pk3.tmp && unzip -q -o x/ufoai-music/usr/share/games/ufoai/base/0music.pk3 -d x/ufoai-pk3.tmp && mv x/ufoai-pk3.tmp x/ufoai-pk3; }
"$py" - "$dest" <<'PY'
import glob, os, shutil, sys
import soundfile as sf
root = sys.argv[1]; os.chdir(root)
def music(pkg, pattern):
    return [f for f in glob.glob(f"x/{pkg}/{pattern}", recursive=True) if os.path.isfile(f) and not os.path.islink(f)]
src = {
    "ufoai": music("ufoai-pk3", "**/*.ogg"),
    "blobwars": [f for f in music("blobwars-data", "usr/share/games/blobwars/music/*") if not f.endswith(".tags")],
    "supertux": music("supertux-data", "**/music/**/*.ogg"),
    "widelands": music("widelands-data", "**/music/**/*.ogg"),
    "hedgewars": music("hedgewars-data", "**/Music/**/*.ogg"),
    "freedroidrpg": music("freedroidrpg-data", "**/music/**/*.ogg"),
    "flare": music("flare-game", "**/music/**/*.ogg"),
    "extremetuxracer": music("extremetuxracer-data", "**/music/**/*.ogg"),
    "megaglest": music("megaglest-data", "**/music/**/*.ogg"),
    "openclonk": music("openclonk-data", "**/Music.ocg/**/*.ogg"),
    "xmoto": music("xmoto-data", "**/Textures/Musics/**/*.ogg"),
}
tmp = "corpus.tmp"
shutil.rmtree(tmp, ignore_errors=True)
total = 0
for label, files in src.items():
    kept = []
    for f in sorted(files):
        try:
            if sf.info(f).duration >= 30:
                kept.append(f)
        except Exception:
            pass
    kept = kept[:40]
    os.makedirs(f"{tmp}/{label}", exist_ok=True)
    for f in kept:
        name = os.path.basename(f)
        name = name if name.lower().endswith(".ogg") else name + ".ogg"
        shutil.copy(f, f"{tmp}/{label}/{name}")
    total += len(kept)
    print(f"{label}: {len(kept)} tracks", file=sys.stderr)
for pkg in glob.glob("x/*/usr/share/doc/*/copyright"):
    shutil.copy(pkg, f"{tmp}/COPYRIGHT-{pkg.split('/')[-2]}")
print(f"{total} tracks", file=sys.stderr)
shutil.rmtree("corpus", ignore_errors=True)
os.rename(tmp, "corpus")
PY
touch "$dest/corpus/.done"
echo "$dest/corpus"
