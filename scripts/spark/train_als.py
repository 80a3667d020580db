#!/usr/bin/env python3
"""Train Spark MLlib's ALS on a `recommender export spark` folder and write the factors.

Reads EXPORT_DIR/manifest.json and EXPORT_DIR/interactions/part-*.csv (header
`user,item,rating`, dense integer ids), fits pyspark.ml.recommendation.ALS (explicit, or
implicitPrefs with confidence 1 + alpha*|rating|), and writes into FACTORS_DIR:

  user_factors/part-*.csv   header `id,f0,...,f{rank-1}`: the dense user id and its factors
  item_factors/part-*.csv   the same for items
  spark_als.json            hyper-parameters, Spark version, counts and timings (seconds)

`recommender import spark-als --factors FACTORS_DIR --export EXPORT_DIR --output MODEL_DIR`
turns these into a model file. Paths may be local or any Hadoop file system (hdfs://, s3a://,
gs://): the files are read and written through Spark, so the same script runs with
`python3 train_als.py --master local[2] ...` on one machine and unchanged with
`spark-submit --master yarn|k8s://... train_als.py ...` on a cluster (docs/spark.md).

Regularisation: Spark multiplies regParam by the number of ratings of each user (item) in that
row's solve ("ALS-WR", Zhou et al. 2008), so its regParam is far smaller than the constant
lambda of Hu et al. or of `recommender train --algorithm ials` (docs/spark.md, "Matching
hyper-parameters").
"""
import argparse
import atexit
import json
import shutil
import sys
import tempfile
import time

FORMAT = "swift-recommender-spark-factors"
FORMAT_VERSION = 1
EXPORT_FORMAT = "swift-recommender-spark-export"


def bounded(kind, low, high):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number in [{low}, {high}], got '{text}'")
        if not (low <= value <= high):
            raise argparse.ArgumentTypeError(f"must be in [{low}, {high}], got {value}")
        return value
    return parse


def arguments(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--input", required=True, help="the export folder (recommender export spark --output)")
    p.add_argument("--output", required=True, help="folder for the factors and spark_als.json (replaced)")
    p.add_argument("--implicit", action="store_true", help="implicit feedback (implicitPrefs): ratings are confidences")
    p.add_argument("--rank", type=bounded(int, 1, 4096), default=64, help="latent factors (default 64)")
    p.add_argument("--reg", type=bounded(float, 0.0, 1e6), default=0.05,
                   help="regParam, multiplied by each row's rating count (default 0.05)")
    p.add_argument("--alpha", type=bounded(float, 0.0, 1e6), default=1.0, help="implicit confidence scale (default 1.0)")
    p.add_argument("--iterations", type=bounded(int, 1, 10000), default=15, help="maxIter (default 15)")
    p.add_argument("--seed", type=bounded(int, 0, 2**63 - 1), default=42, help="seed of the initial factors (default 42)")
    p.add_argument("--master", default=None,
                   help="Spark master, e.g. local[2] (default: spark-submit's --master, else local[*])")
    p.add_argument("--user-blocks", type=bounded(int, 1, 100000), default=None,
                   help="numUserBlocks (default: Spark's 10); ~ executors x cores on a cluster")
    p.add_argument("--item-blocks", type=bounded(int, 1, 100000), default=None, help="numItemBlocks (default: Spark's 10)")
    p.add_argument("--checkpoint-dir", default=None,
                   help="reliable folder (HDFS/S3) for checkpoints: cuts the lineage of long runs "
                        "(default with a local master: a temporary folder, removed at the end)")
    p.add_argument("--checkpoint-interval", type=bounded(int, 1, 10000), default=10,
                   help="checkpoint every N iterations when --checkpoint-dir is set (default 10)")
    p.add_argument("--driver-memory", default=None,
                   help="spark.driver.memory when run with python3 directly (local mode: the driver does all the work); "
                        "with spark-submit use its --driver-memory")
    p.add_argument("--nonnegative", action="store_true", help="non-negative least squares")
    p.add_argument("--measure-setup", action="store_true",
                   help="also fit one iteration first, so that the time per iteration excludes the fixed setup cost")
    return p.parse_args(argv)


def hadoop_fs(spark, path):
    jvm = spark.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    return hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), hpath


def read_text(spark, path):
    fs, hpath = hadoop_fs(spark, path)
    if not fs.exists(hpath):
        raise SystemExit(f"{path}: file not found (is --input a `recommender export spark` folder?)")
    stream = fs.open(hpath)
    try:
        reader = spark.sparkContext._jvm.java.io.BufferedReader(
            spark.sparkContext._jvm.java.io.InputStreamReader(stream, "UTF-8"))
        lines = []
        while True:
            line = reader.readLine()
            if line is None:
                break
            lines.append(line)
        return "\n".join(lines)
    finally:
        stream.close()


def write_text(spark, path, text):
    fs, hpath = hadoop_fs(spark, path)
    stream = fs.create(hpath, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()


def main(argv):
    args = arguments(argv)
    started = time.perf_counter()
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from pyspark.ml.recommendation import ALS

    # No progress bars on standard error (spark-submit --conf overrides any of these).
    builder = SparkSession.builder.appName("swift-recommender ALS").config("spark.ui.showConsoleProgress", "false")
    if args.driver_memory:
        builder = builder.config("spark.driver.memory", args.driver_memory)
    local = args.master is not None and args.master.startswith("local")
    if args.master:
        builder = builder.master(args.master)
    if local:
        # One machine: a few shuffle partitions, not the 200 meant for a cluster; and a larger
        # thread stack for the driver, which serialises the tasks of ALS's long lineage (a
        # StackOverflowError in ObjectOutputStream otherwise, seen on a busy machine).
        builder = builder.config("spark.sql.shuffle.partitions", "8").config("spark.driver.extraJavaOptions", "-Xss16m")
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    session_seconds = time.perf_counter() - started
    base = args.input.rstrip("/")
    out = args.output.rstrip("/")

    manifest_path = base + "/manifest.json"
    try:
        manifest = json.loads(read_text(spark, manifest_path))
    except json.JSONDecodeError as error:
        raise SystemExit(f"{manifest_path}:{error.lineno}: not valid JSON ({error.msg})")
    if manifest.get("format") != EXPORT_FORMAT:
        raise SystemExit(f"{manifest_path}: not a recommender export (format '{manifest.get('format')}')")
    if manifest.get("version") != 1:
        raise SystemExit(f"{manifest_path}: export format version {manifest.get('version')}; this script reads version 1")
    if not args.implicit and not manifest.get("explicit", False):
        raise SystemExit(f"{manifest_path}: the data have no explicit ratings; give --implicit")
    files = [base + "/" + entry["path"] for entry in manifest["interaction_files"]]

    t0 = time.perf_counter()
    ratings = (spark.read.option("header", True).option("mode", "FAILFAST")
               .schema("user INT, item INT, rating FLOAT").csv(files))
    # ALS checkpoints every --checkpoint-interval iterations only when a checkpoint folder is set;
    # without one the lineage grows with every iteration. Locally a temporary folder is used.
    checkpoint_dir = args.checkpoint_dir
    temporary_checkpoints = None
    if checkpoint_dir is None and spark.sparkContext.master.startswith("local"):
        temporary_checkpoints = tempfile.mkdtemp(prefix="als-checkpoints-")
        atexit.register(shutil.rmtree, temporary_checkpoints, True)
        checkpoint_dir = temporary_checkpoints
    if checkpoint_dir:
        spark.sparkContext.setCheckpointDir(checkpoint_dir)
    elif args.iterations > 20:
        print(f"warning: {args.iterations} iterations without --checkpoint-dir: the lineage grows with every iteration "
              "(a StackOverflowError or slow recovery); give a reliable folder (HDFS/S3)", file=sys.stderr)
    ratings = ratings.cache()
    rows = ratings.count()
    read_seconds = time.perf_counter() - t0
    if rows != manifest["interactions"]:
        raise SystemExit(f"{base}: read {rows} interactions, the manifest says {manifest['interactions']}")

    def estimator(iterations):
        als = ALS(rank=args.rank, maxIter=iterations, regParam=args.reg, alpha=args.alpha, implicitPrefs=args.implicit,
                  userCol="user", itemCol="item", ratingCol="rating", nonnegative=args.nonnegative, seed=args.seed,
                  coldStartStrategy="drop", checkpointInterval=args.checkpoint_interval)
        if args.user_blocks:
            als.setNumUserBlocks(args.user_blocks)
        if args.item_blocks:
            als.setNumItemBlocks(args.item_blocks)
        return als

    timings = {"session_seconds": session_seconds, "read_seconds": read_seconds}
    if args.measure_setup:
        t0 = time.perf_counter()
        one = estimator(1).fit(ratings)
        timings["fit_one_iteration_seconds"] = time.perf_counter() - t0
        one.userFactors.unpersist()
        one.itemFactors.unpersist()
    t0 = time.perf_counter()
    model = estimator(args.iterations).fit(ratings)
    # fit() materialises both factor tables (ALS.train counts them), so this is the training time.
    fit_seconds = time.perf_counter() - t0
    timings["fit_seconds"] = fit_seconds
    if args.measure_setup and args.iterations > 1:
        timings["seconds_per_iteration"] = (fit_seconds - timings["fit_one_iteration_seconds"]) / (args.iterations - 1)
    else:
        timings["seconds_per_iteration_upper_bound"] = fit_seconds / args.iterations

    t0 = time.perf_counter()
    columns = [F.col("id")] + [F.col("features")[k].alias(f"f{k}") for k in range(args.rank)]
    counts = {}
    for name, table in (("user_factors", model.userFactors), ("item_factors", model.itemFactors)):
        table.select(*columns).write.mode("overwrite").option("header", True).csv(out + "/" + name)
        counts[name] = table.count()
    timings["write_seconds"] = time.perf_counter() - t0
    timings["total_seconds"] = time.perf_counter() - started

    record = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "export_fingerprint": manifest.get("fingerprint"),
        "dataset": manifest.get("dataset"),
        "implicit_prefs": bool(args.implicit),
        "rank": args.rank,
        "reg_param": args.reg,
        "alpha": args.alpha,
        "max_iter": args.iterations,
        "seed": args.seed,
        "nonnegative": bool(args.nonnegative),
        "num_user_blocks": args.user_blocks or 10,  # Spark's default is 10
        "num_item_blocks": args.item_blocks or 10,
        "checkpoint_interval": args.checkpoint_interval if checkpoint_dir else None,
        "spark_version": spark.version,
        "master": spark.sparkContext.master,
        "default_parallelism": spark.sparkContext.defaultParallelism,
        "interactions": rows,
        "user_factor_rows": counts["user_factors"],
        "item_factor_rows": counts["item_factors"],
        "timings": timings,
    }
    write_text(spark, out + "/spark_als.json", json.dumps(record, indent=2, sort_keys=True) + "\n")
    print(f"spark {spark.version} ({spark.sparkContext.master}): {rows} interactions, "
          f"{counts['user_factors']} user and {counts['item_factors']} item factors of rank {args.rank}; "
          f"fit {fit_seconds:.2f} s for {args.iterations} iterations; wrote {out}", file=sys.stderr)
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
