"""Does pooling over time help the autoencoders' embeddings? CAE and VAE on an ingested,
labelled dataset.

Trains the CAE and the VAE with their default parameters (in a private cache, so the user's
models are untouched), then scores several track embeddings of each against the labels:

* the latent vector (the flattened bottleneck, what ``embed`` returns),
* the encoder's last feature map ``(64, 6 bands, 14 steps)`` pooled over time: mean, mean ‖ max,
  mean ‖ std (per band, 384 or 768 values),
* the same map pooled over time and frequency: mean, mean ‖ max (64 or 128 values).

Clip vectors are L2-normalised and averaged per track; scores are k-means AMI (mean of 3 seeds,
k = number of labels) and precision@10 (cosine). Reference: MFCC statistics, scored the same way
in the same run. Labels are used only to score. Prints one JSON line.

Usage::

    python -m songsim ingest --audio CORPUS --labels parent --name realmusic
    python bench/bench_pooling.py realmusic
"""

import argparse
import os
import shutil
import tempfile

from _common import emit, label_scores


def pooled_variants(feature_map):
    """``feature_map [shape=(n, C, F, T)]`` → {name: ``(n, d)`` tensor}."""
    import torch

    mean_t, max_t, std_t = feature_map.mean(3), feature_map.amax(3), feature_map.std(3)
    return {
        "time mean": mean_t.flatten(1),
        "time mean|max": torch.cat([mean_t.flatten(1), max_t.flatten(1)], 1),
        "time mean|std": torch.cat([mean_t.flatten(1), std_t.flatten(1)], 1),
        "global mean": feature_map.mean((2, 3)),
        "global mean|max": torch.cat([feature_map.mean((2, 3)), feature_map.amax((2, 3))], 1),
    }


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("dataset", help="an ingested dataset with labels")
    a = ap.parse_args()

    from songsim.config import cache_dir

    source = cache_dir() / "datasets" / a.dataset
    if not source.is_dir():
        raise SystemExit(f"bench_pooling: no dataset {a.dataset!r} in {cache_dir()}")
    private = tempfile.mkdtemp(prefix="songsim-pooling-")
    shutil.copytree(source, f"{private}/datasets/{a.dataset}")
    os.environ["SONGSIM_CACHE"] = private

    import torch

    from songsim.data.store import load_dataset
    from songsim.embeddings import embed, track_means
    from songsim.embeddings.modeling import train_and_save
    from songsim.models.train import TrainParams

    ds = load_dataset(a.dataset)
    if ds.labels is None:
        raise SystemExit(f"bench_pooling: dataset {a.dataset!r} has no labels")
    clips = torch.from_numpy(ds.clips[:]).unsqueeze(1)

    def score(V) -> dict:
        V = torch.nn.functional.normalize(V.float(), dim=1).numpy()
        return label_scores(track_means(V, ds.clip_track, ds.n_tracks), ds.labels)

    results = {"mfcc": score(torch.from_numpy(embed(ds, "mfcc").clip))}
    print("mfcc", results["mfcc"], flush=True)
    for kind in ("cae", "vae"):
        model, manifest = train_and_save(ds, TrainParams.for_model(kind))
        model.eval()
        with torch.no_grad():
            batches = [clips[i : i + 256] for i in range(0, len(clips), 256)]
            latent = torch.cat([model.embed(b) for b in batches])
            feature_map = torch.cat([model.encoder.conv(b) for b in batches])
        results[kind] = {
            "train_s": round(manifest["history"]["seconds"], 1),
            "latent (flattened)": score(latent),
            **{name: score(V) for name, V in pooled_variants(feature_map).items()},
        }
        print(kind, results[kind], flush=True)
    emit("autoencoder-pooling", {"dataset": a.dataset, "results": results})


if __name__ == "__main__":
    main()
