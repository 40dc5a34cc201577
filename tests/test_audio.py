"""Audio and spectrogram ingest on files the tests synthesise in every listed format."""

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from songsim.catalog import ingest
from songsim.config import AudioParams
from songsim.data.tracks import load_track
from songsim.io.audio import clip_starts, read_audio_clips

FORMATS = {  # extension → soundfile write options (libsndfile writes all five)
    "wav": {},
    "flac": {},
    "ogg": {"format": "OGG", "subtype": "VORBIS"},
    "opus": {"format": "OGG", "subtype": "OPUS"},
    "mp3": {"format": "MP3", "subtype": "MPEG_LAYER_III"},
}


def tone(seconds, sr, channels=1, f=440.0, seed=0):
    t = np.arange(int(seconds * sr)) / sr
    rng = np.random.default_rng(seed)
    y = 0.3 * np.sin(2 * np.pi * f * t) * (
        1 + 0.5 * np.sin(2 * np.pi * 0.7 * t)
    ) + 0.02 * rng.standard_normal(t.size)
    return np.stack([y * (1 - 0.2 * c) for c in range(channels)], axis=1).astype(np.float32)


def write_audio(path, data, sr, **kw):
    with sf.SoundFile(str(path), "w", sr, data.shape[1], **kw) as f:
        for i in range(
            0, len(data), 8192
        ):  # blockwise: libsndfile's OGG writer dislikes huge writes
            f.write(data[i : i + 8192])
    return path


@pytest.mark.parametrize("ext", list(FORMATS))
def test_every_format_matches_librosa(tmp_path, ext):
    import librosa

    sr = 48000 if ext == "opus" else 44100
    path = write_audio(tmp_path / f"x.{ext}", tone(40, sr, channels=2), sr, **FORMATS[ext])
    p = AudioParams()
    y, starts, duration = read_audio_clips(path, p)
    assert y.shape == (6, p.clip_samples) and len(starts) == 6
    track = load_track(path, tmp_path, p)
    assert track.clips.shape == (6, 96, 216)
    assert 0.0 <= track.clips.min() and track.clips.max() <= 1.0
    for i in (0, 5):  # the reference: a plain librosa call per clip
        ref_y, _ = librosa.load(path, sr=p.sr, offset=starts[i], duration=p.clip_seconds)
        S = librosa.feature.melspectrogram(
            y=librosa.util.fix_length(ref_y, size=p.clip_samples),
            sr=p.sr,
            n_fft=p.n_fft,
            hop_length=p.hop_length,
            n_mels=p.n_mels,
            fmax=p.fmax,
        )
        D = librosa.power_to_db(S, ref=np.max)
        D = (D - D.min()) / (D.max() - D.min())
        assert np.abs(track.clips[i] - D).max() < 1e-3


def test_mono_22050_and_any_rate(tmp_path):
    for sr in (8000, 22050, 96000):
        t = load_track(write_audio(tmp_path / f"m{sr}.wav", tone(12, sr), sr), tmp_path)
        assert t.clips.shape[1:] == (96, 216)


def test_short_tracks_rule(tmp_path):
    p = AudioParams()
    assert clip_starts(0.5, p) == [] and clip_starts(2.0, p) == [0.0]
    assert len(clip_starts(200, p)) == 6 and clip_starts(200, p)[0] == p.skip_seconds
    two = load_track(write_audio(tmp_path / "two.wav", tone(2, 22050), 22050), tmp_path)
    assert two.clips.shape == (1, 96, 216)  # zero-padded to one clip


def test_folder_ingest_skips_corrupt_and_reads_tags_and_labels(tmp_path, fresh_cache):
    import mutagen.flac

    root = tmp_path / "music"
    (root / "Jazz").mkdir(parents=True)
    (root / "Rock" / "deep").mkdir(parents=True)
    write_audio(root / "Jazz" / "a.flac", tone(30, 44100, f=220), 44100)
    tags = mutagen.flac.FLAC(root / "Jazz" / "a.flac")
    tags["title"], tags["artist"] = "Blue Tune", "Ana Ünïcødé"
    tags.save()
    write_audio(root / "Rock" / "deep" / "b.ogg", tone(30, 44100, f=880), 44100, **FORMATS["ogg"])
    (root / "Rock" / "broken.mp3").write_bytes(b"ID3\x03\x00\x00\x00garbage" * 50)
    (root / "Rock" / "tiny.wav").write_bytes(b"RIFF0000WAVEfmt ")
    write_audio(root / "Rock" / "blip.wav", tone(0.3, 22050), 22050)
    ds = ingest("lib", audio=root, labels_from_parent=True)
    ids = ds.tracks.set_index("track_id")
    assert set(ids.index) == {"Jazz/a.flac", "Rock/deep/b.ogg"}
    assert ids.loc["Jazz/a.flac", "title"] == "Blue Tune"
    assert ids.loc["Jazz/a.flac", "artist"] == "Ana Ünïcødé"
    assert ids.loc["Rock/deep/b.ogg", "title"] == "b"
    assert ids.loc["Rock/deep/b.ogg", "label"] == "deep"
    assert ids.loc["Jazz/a.flac", "label"] == "Jazz"
    reasons = {s["file"]: s["reason"] for s in ds.info["skipped_files"]}
    assert set(reasons) == {"Rock/broken.mp3", "Rock/tiny.wav", "Rock/blip.wav"}
    assert "too short" in reasons["Rock/blip.wav"]


def test_spectrogram_pngs(tmp_path, fresh_cache):
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (96, 216), dtype=np.uint8), "L").save(
        tmp_path / "4uLU6hMCjMI75M1A2tKUQC.png"
    )
    Image.fromarray(rng.integers(10, 200, (96, 216 * 4), dtype=np.uint8), "L").save(
        tmp_path / "long.png"
    )
    Image.fromarray(rng.integers(0, 256, (64, 216), dtype=np.uint8), "L").save(
        tmp_path / "wrong.png"
    )
    (tmp_path / "junk.png").write_bytes(b"\x89PNG not really")
    ds = ingest("pngs", spectrograms=tmp_path)
    by_id = {tid: row for row, tid in enumerate(ds.tracks["track_id"])}
    assert len(ds.track_clips(by_id["4uLU6hMCjMI75M1A2tKUQC"])) == 1
    assert len(ds.track_clips(by_id["long"])) == 6
    for row in by_id.values():
        clips = ds.clips[ds.track_clips(row)]
        assert clips.shape[1:] == (96, 216) and clips.min() == 0.0 and clips.max() == 1.0
    assert {s["file"] for s in ds.info["skipped_files"]} == {"wrong.png", "junk.png"}
