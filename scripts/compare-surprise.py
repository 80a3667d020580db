#!/usr/bin/env python3
"""Compare our rating models with Surprise's on the SAME folds, with the same settings and with
each library's defaults (the README's "Rating prediction" table).

What it runs (ML-100K, 5-fold cross-validation, seed 0 by default):
  1. `recommender evaluate --algorithms baseline,svd,svdpp --folds 5 --seed 0 --save-splits W/folds
     --json W/ours-tuned.json`: our models with our tuned defaults; the folds are written as
     W/folds/split-N-train.csv / split-N-test.csv (raw ids).
  2. The same with Surprise's defaults (our `.surprise` configuration presets, given as --param):
     W/ours-surprise-defaults.json. Same seed, so the same folds.
  3. Surprise's BaselineOnly, SVD and SVDpp on those fold files (PredefinedKFold), once with
     Surprise's defaults and once with our tuned settings, read from W/ours-tuned.json's
     hyper-parameters (so "same settings" holds by construction).
Then prints one Markdown table (mean RMSE ± population std over folds, MAE, fit seconds per
fold) and writes W/compare-surprise.json.

Needs scikit-surprise (`pip install scikit-surprise`; it imports as `surprise`) and a built
`recommender` (default .build/release/recommender). With --skip-surprise only our side runs.

Usage: scripts/compare-surprise.py [--recommender PATH] [--work DIR] [--folds 5] [--seed 0]
                                   [--skip-surprise] [-- extra data options, e.g. --dataset ml-100k]
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

# Surprise 1.1.x defaults (BaselineOnly: ALS, 10 epochs, reg_u 15, reg_i 10, from
# surprise/prediction_algorithms/optimize_baselines.pyx; SVD: k 100, 20 epochs, lr 0.005,
# reg 0.02, init std 0.1; SVD++: k 20, 20 epochs, lr 0.007, reg 0.02). The same values are our
# `Configuration.surprise` presets; here they are --param settings of `recommender evaluate`.
OURS_WITH_SURPRISE_DEFAULTS = [
    "baseline.method=als", "baseline.epochs=10", "baseline.user-regularization=15", "baseline.item-regularization=10",
    "svd.embedding-dim=100", "svd.epochs=20", "svd.learning-rate=0.005", "svd.regularization=0.02", "svd.init-stddev=0.1",
    "svdpp.embedding-dim=20", "svdpp.epochs=20", "svdpp.learning-rate=0.007", "svdpp.regularization=0.02", "svdpp.init-stddev=0.1",
]
MODELS = [("baseline", "BaselineOnly"), ("svd", "SVD"), ("svdpp", "SVD++")]


def run(command):
    print("$ " + " ".join(command), file=sys.stderr, flush=True)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def summary(values):
    mean = sum(values) / len(values)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def ours(recommender, work, folds, seed, data_options, params, json_name, save_splits):
    command = [recommender, "evaluate", "--algorithms", "baseline,svd,svdpp", "--folds", str(folds), "--seed", str(seed),
               "--json", os.path.join(work, json_name), "--output", os.path.join(work, "charts")] + data_options
    for p in params:
        command += ["--param", p]
    if save_splits:
        command += ["--save-splits", os.path.join(work, "folds")]
    run(command)
    with open(os.path.join(work, json_name)) as f:
        document = json.load(f)
    out = {}
    for entry in document["results"]:
        m = entry["metrics"]
        out[entry["model"]] = {"rmse": m["rmse_per_fold"], "mae": m["mae_per_fold"], "fit": entry["fit_seconds_folds"],
                               "hyperparameters": entry["hyperparameters"]}
    return out


def surprise_algorithms(tuned):
    """(name, settings label, factory) for Surprise's defaults and for our tuned settings."""
    import numpy as np
    from surprise import SVD, BaselineOnly, SVDpp

    def f32(x):
        """Our settings are Float32: 0.015 is written 0.014999999664723873; give Surprise 0.015."""
        return float(str(np.float32(x)))

    b = tuned["baseline"]["hyperparameters"]
    method = b.get("method", "als")
    # `epochs` has a default that depends on the method (10 for ALS, 20 for SGD) and is absent
    # from the JSON when not given.
    epochs = b.get("epochs", 10 if method == "als" else 20)
    if method == "als":
        ours_bsl = {"method": "als", "n_epochs": epochs, "reg_u": f32(b["user-regularization"]), "reg_i": f32(b["item-regularization"])}
    else:
        ours_bsl = {"method": "sgd", "n_epochs": epochs, "learning_rate": f32(b["learning-rate"]), "reg": f32(b["regularization"])}

    def factor_settings(h):
        return dict(n_factors=h["embedding-dim"], n_epochs=h["epochs"], lr_all=f32(h["learning-rate"]), reg_all=f32(h["regularization"]),
                    init_std_dev=f32(h["init-stddev"]))

    svd, svdpp = factor_settings(tuned["svd"]["hyperparameters"]), factor_settings(tuned["svdpp"]["hyperparameters"])
    return {
        ("baseline", "surprise"): lambda: BaselineOnly(verbose=False),
        ("baseline", "ours"): lambda: BaselineOnly(bsl_options=ours_bsl, verbose=False),
        ("svd", "surprise"): lambda: SVD(random_state=0),
        ("svd", "ours"): lambda: SVD(random_state=0, **svd),
        ("svdpp", "surprise"): lambda: SVDpp(random_state=0),
        ("svdpp", "ours"): lambda: SVDpp(random_state=0, **svdpp),
    }, {"baseline": ours_bsl, "svd": svd, "svdpp": svdpp}


def surprise_side(work, folds, tuned, models, which_settings=("surprise", "ours")):
    """Surprise on our fold files: one (model, settings) pair at a time over every fold, so the
    fast models are done first; each finished pair is added to W/surprise-partial.json."""
    from surprise import Dataset, Reader, accuracy
    from surprise.model_selection import PredefinedKFold

    files = [(os.path.join(work, "folds", f"split-{n}-train.csv"), os.path.join(work, "folds", f"split-{n}-test.csv"))
             for n in range(1, folds + 1)]
    reader = Reader(line_format="user item rating timestamp", sep=",", skip_lines=1, rating_scale=(1, 5))
    splits = list(PredefinedKFold().split(Dataset.load_from_folds(files, reader=reader)))
    factories, settings = surprise_algorithms(tuned)
    out = {}
    for key, make in factories.items():
        if key[0] not in models or key[1] not in which_settings:
            continue
        r = {"rmse": [], "mae": [], "fit": [], "fit_cpu": []}
        for n, (trainset, testset) in enumerate(splits):
            algorithm = make()
            wall, cpu = time.perf_counter(), time.process_time()
            algorithm.fit(trainset)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            predictions = algorithm.test(testset)
            r["rmse"].append(accuracy.rmse(predictions, verbose=False))
            r["mae"].append(accuracy.mae(predictions, verbose=False))
            r["fit"].append(wall)
            r["fit_cpu"].append(cpu)
            print(f"  surprise {key[0]} ({key[1]} settings) fold {n + 1}/{folds}: RMSE {r['rmse'][-1]:.4f}, fit {wall:.2f} s ({cpu:.2f} CPU-s)",
                  file=sys.stderr, flush=True)
        out[key] = r
        with open(os.path.join(work, "surprise-partial.json"), "w") as f:
            json.dump({f"{k[0]}/{k[1]}": v for k, v in out.items()}, f, indent=2, sort_keys=True)
    return out, settings


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recommender", default=".build/release/recommender", help="the recommender binary")
    parser.add_argument("--work", default="output/compare-surprise", help="folder for the folds and JSON files")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-surprise", action="store_true", help="run only our side")
    parser.add_argument("--models", default="baseline,svd,svdpp", help="which of baseline,svd,svdpp Surprise runs (SVD++ is slow)")
    parser.add_argument("--settings", default="surprise,ours", help="which settings Surprise runs: surprise (its defaults), ours (our defaults)")
    args, data_options = parser.parse_known_args()
    data_options = [a for a in data_options if a != "--"]
    os.makedirs(args.work, exist_ok=True)

    tuned = ours(args.recommender, args.work, args.folds, args.seed, data_options, [], "ours-tuned.json", True)
    defaults = ours(args.recommender, args.work, args.folds, args.seed, data_options, OURS_WITH_SURPRISE_DEFAULTS,
                    "ours-surprise-defaults.json", False)
    theirs, settings = None, None
    if not args.skip_surprise:
        try:
            import surprise
        except ImportError:
            print("scikit-surprise is not installed (pip install scikit-surprise): showing our side only", file=sys.stderr)
        else:
            print(f"Surprise {surprise.__version__} on the same {args.folds} folds", file=sys.stderr)
            theirs, settings = surprise_side(args.work, args.folds, tuned, args.models.split(","), args.settings.split(","))

    def cell(values, digits=4):
        mean, std = summary(values)
        return f"{mean:.{digits}f} ± {std:.{digits}f}"

    print(f"RMSE, {args.folds}-fold cross-validation, seed {args.seed}, the same folds for both libraries (mean ± std over folds)\n")
    print("| model | ours, our defaults | Surprise, our defaults | ours, Surprise's defaults | Surprise, its defaults |")
    print("|---|---|---|---|---|")
    for name, label in MODELS:
        row = [f"{name} / {label}", cell(tuned[name]["rmse"]),
               cell(theirs[(name, "ours")]["rmse"]) if theirs and (name, "ours") in theirs else "—",
               cell(defaults[name]["rmse"]),
               cell(theirs[(name, "surprise")]["rmse"]) if theirs and (name, "surprise") in theirs else "—"]
        print("| " + " | ".join(row) + " |")
    print("\nMAE, and fit seconds per fold (wall; Surprise also in CPU seconds)\n")
    print("| model | settings | ours MAE | Surprise MAE | ours fit s | Surprise fit s (CPU s) |")
    print("|---|---|---|---|---|---|")
    for name, label in MODELS:
        for which, side, title in (("ours", tuned, "our defaults"), ("surprise", defaults, "Surprise's defaults")):
            t = theirs.get((name, which)) if theirs else None
            cells = [f"{name} / {label}", title, f"{summary(side[name]['mae'])[0]:.4f}", f"{summary(t['mae'])[0]:.4f}" if t else "—",
                     f"{summary(side[name]['fit'])[0]:.3f}", f"{summary(t['fit'])[0]:.2f} ({summary(t['fit_cpu'])[0]:.2f})" if t else "—"]
            print("| " + " | ".join(cells) + " |")
    result = {"folds": args.folds, "seed": args.seed, "ours_our_defaults": tuned, "ours_surprise_defaults": defaults,
              "surprise": {f"{k[0]}/{k[1]}": v for k, v in theirs.items()} if theirs else None,
              "surprise_settings_from_ours": settings}
    with open(os.path.join(args.work, "compare-surprise.json"), "w") as f:
        json.dump(result, f, indent=2, sort_keys=True)
    print(f"\nwrote {os.path.join(args.work, 'compare-surprise.json')}", file=sys.stderr)


if __name__ == "__main__":
    main()
