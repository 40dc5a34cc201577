#!/bin/bash
# Builds an unlabelled pre-training corpus of freely licensed music from Debian's archive (main):
# the music of 108 game and music packages, one folder per package, tracks of at least 30 s.
# 827 tracks, 31.7 hours, 3.7 GB: 492 OGG Vorbis / MP3 / WAV tracks as shipped (18.8 h), 150 tracker
# modules rendered with openmpt123 (6.1 h), 177 MIDI files rendered with timidity + the FluidR3 GM
# SoundFont (6.3 h) and 8 multi-stem songs mixed (0.45 h); renders are FLAC, 16 bit stereo at
# PRETRAIN_SR (default 22050 Hz, the project's analysis rate). Every file decodes with soundfile
# (libsndfile >= 1.1). Each package's copyright file is kept beside its folder as
# COPYRIGHT-<package>; MANIFEST.tsv lists every track with its source, DROPPED.tsv the duplicates
# left out (the same file or the same audio in two places is kept once).
#
#   bash bench/pretrain.sh [DEST]  (default DEST: ~/.cache/songsim-pretrain)
#
# Environment: PYTHON (a Python with soundfile and numpy; default python3); PRETRAIN_SR (above);
#   PRETRAIN_EXCLUDE=dir[:dir...]  drop every track that matches audio under these folders
#                                  (e.g. an evaluation corpus) by duration + spectral fingerprint.
# Needs apt-get (Debian's archive: 4.7 GB of .deb files, kept in DEST/debs), dpkg-deb, tar, and
# openmpt123, timidity, fluid-soundfont-gm (installed with apt-get when missing, which needs root).
# Takes ~7 min on 2 cores once the .deb files are there (plus the download); DEST ends at ~8.5 GB.
# Prints the corpus folder on its last line. Idempotent: a finished corpus is reused; downloads,
# extractions and renders already done are reused after an interruption.
set -euo pipefail
dest=${1:-${PRETRAIN:-$HOME/.cache/songsim-pretrain}}
py=${PYTHON:-python3}
[ -f "$dest/corpus/.done" ] && { echo "$dest/corpus"; exit 0; }
pkgs="0ad-data naev-data colobot-common-sounds supertuxkart-data marsshooter-data unknown-horizons
ironseed-data freedoom freedm fretsonfire-songs-sectoid fretsonfire-songs-muldjord openttd-openmsx
redeclipse-data tecnoballz-data warmux-data pushover-data trackballs-data starfighter-data
pekka-kana-2-data heroes-sound-tracks wizznic-data fillets-ng-data davegnukem-data pingus-data
rafkill-data enigma-data pachi-data biniax2-data zaz-data freecol asc-music ardentryst
bomberclone-data wordwarvi-sound lordsawar-data adonthell-data tuxmath-data tuxtype-data
frozen-bubble-data btanks-data openarena-088-data noiz2sa-data lincity-ng-data hex-a-hop-data
amoebax-data neverball-common pinball-data pinball-table-gnu-data plee-the-bear-data pathological
gl-117-data powermanga-data tomatoes-data ri-li-data gigalomania-data scorched3d-data madbomber-data
open-invaders-data circuslinux-data rockdodger njam-data gltron criticalmass-data solarwolf
monsterz-data cuyo-data ceferino-data torus-trooper-data mu-cade-data titanion-data gunroar-data
tumiki-fighters-data parsec47-data rrootage-data a7xpg-data angrydd caveexpress-data
searchandrescue-data mazeofgalious-data lugaru-data glob2-data epiphany-data abe-data
alienblaster-data holotz-castle-data performous renpy-demo freedink-data pink-pony-data
pax-britannica-data blockout2 brainparty-data gamine-data raincat-data tuxfootball freeciv-data
bumprace-data toppler hannah-data seahorse-adventures funnyboat orbital-eunuchs-sniper-data
instead-data liquidwar-data kobodeluxe-data chuck-data pianobooster mma"
tools=""
command -v openmpt123 >/dev/null || tools="$tools openmpt123"
command -v timidity >/dev/null || tools="$tools timidity"
[ -f /etc/timidity/fluidr3_gm.cfg ] || tools="$tools fluid-soundfont-gm"
if [ -n "$tools" ]; then
  apt-get install -y -q --no-install-recommends $tools >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null; apt-get install -y -q --no-install-recommends $tools >/dev/null; }
fi
mkdir -p "$dest/debs" "$dest/x" "$dest/render"
cd "$dest/debs"
missing=""
for p in $pkgs; do ls ${p}_*.deb >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  apt-get download $missing >/dev/null 2>&1 || { apt-get update -q >/dev/null; apt-get download $missing >/dev/null; }
fi
cd "$dest"
"$py" - "$dest" $pkgs <<'PY'
import concurrent.futures as cf, fnmatch, glob, hashlib, io, os, re, shutil, struct, subprocess, sys, zipfile
import numpy as np
import soundfile as sf

root, pkgs = sys.argv[1], sys.argv[2:]
os.chdir(root)
MIN_S = 30.0
SR = int(os.environ.get("PRETRAIN_SR", "22050"))  # sample rate of the rendered tracks (modules, MIDI)
# Per package: rules (kind, glob under the package's root[, regex of paths to skip]).
#   a: audio file as shipped   mod: tracker module (openmpt123)   mid: MIDI (timidity)
#   wad: Doom WAD, its MIDI music lumps   stems: a song folder whose .ogg stems are mixed
#   zip: (zip, archive path, member glob) -> audio members as shipped; zipmid: MIDI members
G = "usr/share/games/"
SPEC = {
 "0ad-data": [("zip", G + "0ad/mods/public/public.zip", "audio/music/*.ogg")],
 "naev-data": [("a", "usr/share/naev/dat/snd/music/*.ogg")],
 "colobot-common-sounds": [("a", G + "colobot/music/*.ogg")],
 "supertuxkart-data": [("a", G + "supertuxkart/data/music/*.ogg", r"(_fast|_f)\.ogg$"),
     ("a", G + "supertuxkart/data/tracks/ancient_colosseum_labyrinth/Battle_Theme_1.ogg"),
     ("a", G + "supertuxkart/data/tracks/battleisland/Gran_Paradiso*.ogg")],
     # (tracks/cave/beneath_the_rabbit_hole.ogg is left out: the same recording is in supertux-data)
 "marsshooter-data": [("a", G + "marsshooter/audio/music/*.ogg"), ("a", G + "marsshooter/audio/menu.ogg"),
     ("a", G + "marsshooter/audio/tutorial.ogg")],
 "unknown-horizons": [("a", "usr/share/unknown-horizons/content/audio/music/**/*.ogg")],
 "ironseed-data": [("mod", G + "ironseed/sound/*.MOD")],
 "freedoom": [("wad", G + "doom/freedoom*.wad")],
 "freedm": [("wad", G + "doom/freedm.wad")],
 "fretsonfire-songs-sectoid": [("stems", G + "fretsonfire/data/songs/sectoid/*/")],
 "fretsonfire-songs-muldjord": [("stems", G + "fretsonfire/data/songs/muldjord/*/")],
 "openttd-openmsx": [("mid", G + "openttd/baseset/openmsx/*.mid")],
 "redeclipse-data": [("a", G + "redeclipse/data/sounds/music/*.ogg"), ("a", G + "redeclipse/data/sounds/theme.ogg"),
     ("a", G + "redeclipse/data/sounds/original.ogg"), ("a", G + "redeclipse/data/maps/tonatiuh.ogg")],
 "tecnoballz-data": [("mod", G + "tecnoballz/musics/*.mod")],
 "warmux-data": [("a", G + "warmux/music/**/*.ogg")],
 "pushover-data": [("a", "usr/share/pushover/themes/*.ogg")],
 "trackballs-data": [("a", G + "trackballs/music/*.ogg")],
 "starfighter-data": [("a", "usr/share/starfighter/music/*.ogg")],
 "pekka-kana-2-data": [("mod", G + "pekka-kana-2/data/music/*.xm")],
 "heroes-sound-tracks": [("mod", G + "heroes/mod/*.xm")],
 "wizznic-data": [("a", G + "wizznic/packs/*/music/*.ogg"), ("a", G + "wizznic/data/menu-music.ogg")],
 "fillets-ng-data": [("a", G + "fillets-ng/music/*.ogg")],
 "davegnukem-data": [("a", G + "davegnukem/music/**/*.ogg")],
 "pingus-data": [("mod", G + "pingus/data/music/*.it"), ("mod", G + "pingus/data/music/*.s3m")],
 "rafkill-data": [("mod", G + "rafkill/music/*.xm"), ("mod", G + "rafkill/data/intro.mod")],
 "enigma-data": [("a", G + "enigma/music/**/*.ogg")],
 "pachi-data": [("mod", "usr/share/pachi/music/*.s3m"), ("mod", "usr/share/pachi/music/*.stm")],
 "biniax2-data": [("mod", G + "biniax2/music/*.it")],
 "zaz-data": [("a", G + "zaz/mus*.ogg")],
 "freecol": [("a", G + "freecol/default/resources/music/**/*.ogg"), ("a", G + "freecol/base/resources/sound/intro.ogg")],
 "asc-music": [("a", G + "asc/music/*.mp3")],
 "ardentryst": [("a", G + "ardentryst/Music/*.ogg")],
 "bomberclone-data": [("mod", G + "bomberclone/music/*.xm"), ("mod", G + "bomberclone/music/*.mod")],
 "wordwarvi-sound": [("a", "usr/share/wordwarvi/sounds/*.ogg")],
 "lordsawar-data": [("a", G + "lordsawar/music/*.ogg")],
 "adonthell-data": [("a", G + "adonthell/games/wastesedge/audio/at-demo-*.ogg")],
 "tuxmath-data": [("a", "usr/share/tuxmath/sounds/*.ogg"), ("mod", "usr/share/tuxmath/sounds/*.mod")],
 "tuxtype-data": [("a", "usr/share/tuxtype/sounds/*.ogg"), ("mod", "usr/share/tuxtype/sounds/*.mod")],
 "frozen-bubble-data": [("a", G + "frozen-bubble/snd/*zik*.ogg")],
 "btanks-data": [("a", G + "btanks/data/tunes/*.ogg")],
 "openarena-088-data": [("zip", G + "openarena/baseoa/pak6-patch088.pk3", "music/*.ogg")],
 "noiz2sa-data": [("a", G + "noiz2sa/sounds/stg*.ogg")],
 "lincity-ng-data": [("a", G + "lincity-ng/music/**/*.ogg")],
 "hex-a-hop-data": [("a", G + "hex-a-hop/hex-a-hop/music-*.ogg")],
 "amoebax-data": [("a", G + "amoebax/music/*.ogg")],
 "neverball-common": [("a", G + "neverball/bgm/*.ogg")],
 "pinball-data": [("a", G + "pinball/professor/*.ogg"), ("a", G + "pinball/tux/*.ogg")],
 "pinball-table-gnu-data": [("a", G + "pinball/gnu/music.ogg")],
 "plee-the-bear-data": [("a", G + "plee-the-bear/music/*.ogg")],
 "pathological": [("a", G + "pathological/music/*.ogg")],
 "gl-117-data": [("mod", G + "gl-117/music/*.s3m")],
 "powermanga-data": [("a", G + "powermanga/sound/*/music_*.ogg")],
 "tomatoes-data": [("mod", "usr/share/tomatoes/music/*.it")],
 "ri-li-data": [("mod", G + "ri-li/Ri-li/Sounds/*.xm"), ("mod", G + "ri-li/Ri-li/Sounds/*.mod")],
 "gigalomania-data": [("a", "usr/share/gigalomania/music/*.ogg")],
 "scorched3d-data": [("a", G + "scorched3d/data/globalmods/none/data/music/*.ogg")],
 "madbomber-data": [("mod", G + "madbomber/music/*.mod"), ("mod", G + "madbomber/music/*.it"),
     ("mod", G + "madbomber/music/*.s3m")],
 "open-invaders-data": [("mod", "usr/share/open-invaders/*.mod")],
 "circuslinux-data": [("mod", G + "circuslinux/data/music/*.mod")],
 "rockdodger": [("mod", "usr/share/rockdodger/*.mod")],
 "njam-data": [("mod", G + "njam/data/*.xm"), ("mod", G + "njam/data/*.s3m")],
 "gltron": [("mod", G + "gltron/music/*.it")],
 "criticalmass-data": [("mod", G + "criticalmass/*.xm")],
 "solarwolf": [("mod", G + "solarwolf/data/music/*.xm"), ("a", G + "solarwolf/data/music/*.ogg")],
 "monsterz-data": [("mod", G + "monsterz/sound/music.s3m")],
 "cuyo-data": [("mod", G + "cuyo/sounds/cuyo.it")],
 "ceferino-data": [("mod", G + "ceferino/music/*.xm")],
 "torus-trooper-data": [("a", G + "torus-trooper/sounds/musics/*.ogg")],
 "mu-cade-data": [("a", G + "mu-cade/sounds/musics/*.ogg")],
 "titanion-data": [("a", G + "titanion/sounds/musics/*.ogg")],
 "gunroar-data": [("a", G + "gunroar/sounds/musics/*.ogg")],
 "tumiki-fighters-data": [("a", G + "tumiki-fighters/sounds/*.ogg")],
 "parsec47-data": [("a", G + "parsec47/sounds/ptn*.ogg")],
 "rrootage-data": [("a", G + "rrootage/sounds/stg_*.ogg")],
 "a7xpg-data": [("a", G + "a7xpg/sounds/bgm*.ogg")],
 "angrydd": [("a", G + "angrydd/music/*.ogg")],
 "caveexpress-data": [("a", G + "caveexpress/sounds/music-*.ogg")],
 "searchandrescue-data": [("a", G + "searchandrescue/music/*.wav")],
 "mazeofgalious-data": [("a", G + "mazeofgalious/sound/jorito/*.ogg")],
 "lugaru-data": [("a", G + "lugaru/Sounds/Music*.ogg")],
 "glob2-data": [("a", G + "glob2/data/zik/*.ogg")],
 "epiphany-data": [("a", "usr/share/epiphany/sfx/epiphany_*.ogg")],
 "abe-data": [("a", G + "abe/sounds/*.ogg")],
 "alienblaster-data": [("a", G + "alienblaster/sound/*.wav")],
 "holotz-castle-data": [("a", G + "holotz-castle/game/sound/HC*.wav", r"Slow\.wav$")],
 "performous": [("a", G + "performous/themes/default/*.ogg")],
 "renpy-demo": [("a", G + "renpy/demo/game/*.ogg")],
 "freedink-data": [("a", G + "dink/dink/Sound/*.ogg"), ("mid", G + "dink/dink/Sound/*.mid")],
 "pink-pony-data": [("a", G + "pink-pony/music/*.mp3")],
 "pax-britannica-data": [("a", "usr/share/pax-britannica/audio/music.ogg")],
 "blockout2": [("a", G + "blockout2/sounds/music.ogg")],
 "brainparty-data": [("a", G + "brainparty/electricity.ogg")],
 "gamine-data": [("a", G + "gamine/sounds/Bach*.ogg")],
 "raincat-data": [("a", G + "raincat/data/music/*.ogg")],
 "tuxfootball": [("a", G + "tuxfootball/sound/titlemusic.ogg")],
 "freeciv-data": [("a", G + "freeciv/stdmusic/*.ogg")],
 "bumprace-data": [("a", G + "bumprace/sound/Flying_me_softly.ogg")],
 "toppler": [("a", G + "toppler/toppler.ogg")],
 "hannah-data": [("a", G + "hannah/bgm*.ogg")],
 "seahorse-adventures": [("a", G + "seahorse-adventures/data/music/*.ogg")],
 "funnyboat": [("a", G + "funnyboat/data/JDruid-*.ogg")],
 "orbital-eunuchs-sniper-data": [("a", G + "orbital_eunuchs_sniper/oes.ogg")],
 "instead-data": [("a", G + "instead/games/tutorial3/instead.ogg")],
 "liquidwar-data": [("mid", G + "liquidwar/music/*.mid")],
 "kobodeluxe-data": [("mid", "usr/share/kobo-deluxe/sfx/*.mid")],
 "chuck-data": [("mid", "usr/share/doc/chuck-data/examples/midi/*.mid")],
 "pianobooster": [("zipmid", G + "pianobooster/music/BoosterMusicBooks.zip", "*/Booster Music/*.mid")],
 "mma": [("mid", "usr/share/doc/mma/examples/**/*.mid")],
}
assert set(SPEC) == set(pkgs), set(SPEC) ^ set(pkgs)
TIMIDITY_CFG = "/etc/timidity/fluidr3_gm.cfg"
NPROC = os.cpu_count() or 2


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def deb(pkg):
    return sorted(glob.glob(f"debs/{pkg}_*.deb"))[-1]


def extract(pkg):
    """Only the files the rules name (and the copyright file) into x/<pkg>/."""
    out = f"x/{pkg}"
    if os.path.exists(out + "/.ok"):
        return
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    pats = ["./usr/share/doc/*/copyright"]
    for r in SPEC[pkg]:
        p = r[1].rstrip("/")
        pats.append("./" + (p.replace("**/", "") if r[0] != "stems" else p + "/*"))
    tar = subprocess.Popen(["tar", "-x", "-C", out, "--wildcards", *pats], stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    subprocess.run(["dpkg-deb", "--fsys-tarfile", deb(pkg)], stdout=tar.stdin, check=True)
    tar.stdin.close()
    tar.wait()  # exit 2 when some pattern matched nothing: tolerated, checked below by the rules
    open(out + "/.ok", "w").close()


def to_flac(wav, dst, trim=True):
    """WAV -> FLAC 16 bit (block-wise), trailing digital silence trimmed. Returns seconds."""
    x, sr = sf.read(wav, dtype="float32", always_2d=True)
    if trim:
        loud = np.nonzero(np.abs(x).max(axis=1) > 1e-3)[0]
        x = x[: (loud[-1] + int(0.5 * sr)) if len(loud) else 0]
    if len(x) / sr < MIN_S:
        return len(x) / sr
    tmp = dst + ".part"
    with sf.SoundFile(tmp, "w", sr, x.shape[1], format="FLAC", subtype="PCM_16") as f:
        for i in range(0, len(x), 1 << 18):
            f.write(np.clip(x[i:i + (1 << 18)], -1, 1))
    os.replace(tmp, dst)
    return len(x) / sr


def render_module(src, dst):
    wav = dst + ".wav"
    subprocess.run(["openmpt123", "-q", "--render", "--output-type", "wav", "--samplerate", str(SR),
                    "--no-float", "--force", "--", src], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.replace(src + ".wav", wav)
    try:
        return to_flac(wav, dst)
    finally:
        os.remove(wav)


def render_midi(src, dst):
    wav = dst + ".wav"
    subprocess.run(["timidity", "-c", TIMIDITY_CFG, "-Ow", "-s", str(SR), "-EFresamp=1", "-EFreverb=2", "-EFchorus=0",
                    "-o", wav, src], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return to_flac(wav, dst)
    finally:
        os.remove(wav)


def mix_stems(folder, dst):
    stems = [f for f in sorted(glob.glob(folder + "/*.ogg")) if not os.path.basename(f).startswith("preview")]
    xs = [sf.read(f, dtype="float32", always_2d=True) for f in stems]
    sr = xs[0][1]
    n = max(len(x) for x, _ in xs)
    mix = np.zeros((n, 2), np.float32)
    for x, r in xs:
        assert r == sr
        mix[: len(x)] += x if x.shape[1] == 2 else np.repeat(x, 2, axis=1)
    mix /= max(1.0, float(np.abs(mix).max()) / 0.98)
    wav = dst + ".wav"
    sf.write(wav, mix, sr, subtype="PCM_16")
    try:
        return to_flac(wav, dst, trim=False)
    finally:
        os.remove(wav)


def wad_midis(wad, outdir):
    """Writes the MIDI music lumps (D_*) of a Doom WAD; returns their paths."""
    d = open(wad, "rb").read()
    n, off = struct.unpack("<4xii", d[:12])
    res = []
    stem = os.path.splitext(os.path.basename(wad))[0]
    for i in range(n):
        o, s, name = struct.unpack("<ii8s", d[off + 16 * i: off + 16 * i + 16])
        name = name.rstrip(b"\0").decode("ascii", "replace")
        if name.startswith("D_") and d[o:o + 4] == b"MThd":
            p = f"{outdir}/{stem}-{name[2:].lower()}.mid"
            open(p, "wb").write(d[o:o + s])
            res.append(p)
    return res


def jobs_for(pkg):
    """(kind, source, output name, origin in the package) for every candidate track of pkg."""
    base = f"x/{pkg}/"
    out = []
    for rule in SPEC[pkg]:
        kind, pat = rule[0], rule[1]
        skip = re.compile(rule[2]) if len(rule) > 2 and kind not in ("zip", "zipmid") else None
        if kind in ("zip", "zipmid"):
            z, wd = base + pat, f"render/{pkg}/zip"
            listing = f"{wd}/.members"
            if not os.path.exists(listing):  # members out of the archive once; the archive is then deleted
                if not os.path.exists(z):
                    raise SystemExit(f"{pkg}: {pat} missing")
                os.makedirs(wd, exist_ok=True)
                names = []
                with zipfile.ZipFile(z) as zf:
                    for m in zf.namelist():
                        if fnmatch.fnmatch(m, rule[2]):
                            with zf.open(m) as a, open(f"{wd}/{os.path.basename(m)}", "wb") as b:
                                shutil.copyfileobj(a, b)
                            names.append(m)
                open(listing, "w").write("".join(m + "\n" for m in names))
                os.remove(z)
            for m in open(listing).read().splitlines():
                out.append(("a" if kind == "zip" else "mid", f"{wd}/{os.path.basename(m)}", os.path.basename(m), f"{pat}!{m}"))
            continue
        files = sorted(f for f in glob.glob(base + pat, recursive=True) if not (skip and skip.search(f)))
        if not files:
            raise SystemExit(f"{pkg}: nothing matches {pat}")
        for f in files:
            name = os.path.basename(f.rstrip("/"))
            if kind == "wad":
                wd = f"render/{pkg}/mid"
                os.makedirs(wd, exist_ok=True)
                out += [("mid", m, os.path.basename(m), f[len(base):] + "!D_" + os.path.basename(m)[len(os.path.basename(f)) - 3:-4].upper())
                        for m in wad_midis(f, wd)]
            elif kind == "stems":
                out.append(("stems", f.rstrip("/"), name, f[len(base):].rstrip("/") + "/*.ogg"))
            elif os.path.isfile(f) and not os.path.islink(f):
                out.append((kind, f, name, f[len(base):]))
    return out


def make(pkg, kind, src, name, origin):
    """Produces one track in render/<pkg>/ (or uses the shipped file). Returns (path, seconds, how)."""
    if kind == "a":
        try:
            return src, sf.info(src).duration, "as shipped"
        except Exception as e:
            log(f"  {pkg}: {src} not decodable ({e}), skipped")
            return None, 0, ""
    dst = f"render/{pkg}/{os.path.splitext(name)[0]}.flac"
    how = {"mod": "openmpt123 -> FLAC", "mid": "timidity + FluidR3_GM -> FLAC", "stems": "stems mixed -> FLAC"}[kind]
    if os.path.exists(dst):
        return dst, sf.info(dst).duration, how
    if os.path.exists(dst + ".short"):
        return None, 0, how
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    try:
        secs = {"mod": render_module, "mid": render_midi, "stems": mix_stems}[kind](src, dst)
    except Exception as e:
        log(f"  {pkg}: {src} failed to render ({e}), skipped")
        return None, 0, how
    if secs < MIN_S:
        open(dst + ".short", "w").close()
        return None, 0, how
    return dst, secs, how


def fingerprint(path, secs=60.0):
    """How the spectral shape (32 log bands, loudness removed) changes, 50 ms frames, first `secs` s."""
    with sf.SoundFile(path) as f:
        sr = f.samplerate
        x = f.read(int(secs * sr), dtype="float32", always_2d=True).mean(axis=1)
    hop = sr // 20
    n = len(x) // hop
    if n < 100:
        return None
    fr = np.abs(np.fft.rfft(x[: n * hop].reshape(n, hop) * np.hanning(hop), axis=1)) ** 2
    edges = np.geomspace(80, min(8000, sr / 2), 33) * hop / sr
    bands = np.stack([fr[:, int(a):max(int(b), int(a) + 1)].sum(axis=1) for a, b in zip(edges[:-1], edges[1:])], 1)
    e = np.log(bands + 1e-7)
    e = np.diff(e - e.mean(axis=1, keepdims=True), axis=0)
    e = e - e.mean(axis=0)
    return (e / (e.std(axis=0) + 1e-3)).astype(np.float32)


def same(a, b, lag=60, thr=0.8):
    """Max correlation of two fingerprints over +-3 s of lag. Re-encodings of one recording score
    > 0.94; different music (~10,000 pairs of game tracks checked) < 0.55."""
    best = -1.0
    for k in range(-lag, lag + 1):
        x, y = (a[k:], b) if k >= 0 else (a, b[-k:])
        m = min(len(x), len(y))
        if m < 100:
            continue
        x, y = x[:m].ravel(), y[:m].ravel()
        best = max(best, float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y) + 1e-9)))
    return best >= thr


# 1. extract (only what the rules name), in parallel
with cf.ThreadPoolExecutor(NPROC) as ex:
    list(ex.map(extract, pkgs))
# 2. candidate tracks, renders in parallel
def sha(p):
    h = hashlib.sha1()
    with open(p, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()
jobs, dropped, src_seen = [], [], {}
for p in pkgs:
    for j in jobs_for(p):
        if j[0] in ("mod", "mid"):  # the same module or MIDI file in two places is rendered once
            h = sha(j[1])
            if h in src_seen:
                dropped.append(((p, None, 0, "", j[3]), src_seen[h], "identical source file"))
                continue
            src_seen[h] = (p, None, 0, "", j[3])
        jobs.append((p,) + j)
log(f"{len(jobs)} candidate files in {len(pkgs)} packages")
with cf.ThreadPoolExecutor(NPROC) as ex:
    made = list(ex.map(lambda j: make(*j), jobs))
tracks = []  # (pkg, path, seconds, how, origin)
for (pkg, kind, src, name, origin), (path, secs, how) in zip(jobs, made):
    if path and secs >= MIN_S:
        tracks.append((pkg, path, secs, how, origin))
# 3. duplicates: identical bytes, then the same audio (duration within 2 s, fingerprints agree);
#    and tracks that match audio under PRETRAIN_EXCLUDE
with cf.ThreadPoolExecutor(NPROC) as ex:
    hashes = list(ex.map(lambda t: sha(t[1]), tracks))
    fps = list(ex.map(lambda t: fingerprint(t[1]), tracks))
keep, seen = [], {}
for i, t in enumerate(tracks):
    if hashes[i] in seen:
        dropped.append((t, tracks[seen[hashes[i]]], "identical file"))
        continue
    seen[hashes[i]] = i
    dup = None
    if fps[i] is not None:
        for j in keep:
            if abs(tracks[j][2] - t[2]) <= 2.0 and fps[j] is not None and same(fps[j], fps[i]):
                dup = j
                break
    if dup is not None:
        dropped.append((t, tracks[dup], "same audio"))
        continue
    keep.append(i)
excl = [d for d in os.environ.get("PRETRAIN_EXCLUDE", "").split(":") if d]
if excl:
    ref = []
    for d in excl:
        for f in sorted(glob.glob(d + "/**/*", recursive=True)):
            if os.path.isfile(f):
                try:
                    ref.append((f, sf.info(f).duration))
                except Exception:
                    pass
    with cf.ThreadPoolExecutor(NPROC) as ex:
        rfp = list(ex.map(lambda r: fingerprint(r[0]), ref))
    rh = set()
    with cf.ThreadPoolExecutor(NPROC) as ex:
        rh = set(ex.map(lambda r: sha(r[0]), ref))
    kept2 = []
    for i in keep:
        t = tracks[i]
        hit = None
        if hashes[i] in rh:
            hit = "identical file"
        elif fps[i] is not None:
            for (f, dur), fp in zip(ref, rfp):
                if fp is not None and abs(dur - t[2]) <= 2.0 and same(fp, fps[i]):
                    hit = f
                    break
        if hit:
            dropped.append((t, (None, ""), "matches PRETRAIN_EXCLUDE"))
        else:
            kept2.append(i)
    log(f"{len(keep) - len(kept2)} tracks match audio under PRETRAIN_EXCLUDE ({len(ref)} files) and are left out")
    keep = kept2
# 4. the corpus: one folder per package (hard links where possible), copyright files, manifest
tmp = "corpus.tmp"
shutil.rmtree(tmp, ignore_errors=True)
os.makedirs(tmp)
rows, per = [], {}
for i in keep:
    pkg, path, secs, how, src = tracks[i]
    d = f"{tmp}/{pkg}"
    os.makedirs(d, exist_ok=True)
    name = os.path.basename(path)
    if os.path.exists(f"{d}/{name}"):
        name = os.path.basename(os.path.dirname(path)) + "-" + name
    try:
        os.link(path, f"{d}/{name}")
    except OSError:
        shutil.copy(path, f"{d}/{name}")
    i2 = sf.info(f"{d}/{name}")
    rows.append(f"{pkg}\t{name}\t{secs:.1f}\t{i2.samplerate}\t{i2.channels}\t{i2.format}/{i2.subtype}\t{how}\t{src}")
    per.setdefault(pkg, [0, 0.0])
    per[pkg][0] += 1
    per[pkg][1] += secs
for pkg in pkgs:
    cr = sorted(glob.glob(f"x/{pkg}/usr/share/doc/*/copyright"))
    if cr:
        shutil.copy(cr[0], f"{tmp}/COPYRIGHT-{pkg}")
    else:
        log(f"  {pkg}: no copyright file in the package")
with open(f"{tmp}/MANIFEST.tsv", "w") as f:
    f.write("package\tfile\tseconds\tsamplerate\tchannels\tformat\tmade\tsource\n" + "\n".join(rows) + "\n")
with open(f"{tmp}/DROPPED.tsv", "w") as f:
    f.write("package\tsource\twhy\tkept_instead\n")
    for t, o, why in dropped:
        f.write(f"{t[0]}\t{t[4]}\t{why}\t{(o[0] + ':' + o[4]) if o[0] else o[1]}\n")
for pkg in pkgs:
    n, s = per.get(pkg, [0, 0.0])
    log(f"{pkg}: {n} tracks, {s / 60:.1f} min")
tot = sum(s for _, s in per.values())
log(f"{len(rows)} tracks, {tot / 3600:.2f} hours in {len(per)} folders; {len(dropped)} duplicates left out")
shutil.rmtree("corpus", ignore_errors=True)
os.rename(tmp, "corpus")
PY
touch "$dest/corpus/.done"
echo "$dest/corpus"
