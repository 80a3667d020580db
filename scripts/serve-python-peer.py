#!/usr/bin/env python3
"""The Python peer of `recommender serve` for scripts/bench-serve.sh: FastAPI + uvicorn answering
GET /v1/users/{id}/recommendations?k=10 with implicit's ALS `model.recommend` on ML-100K, in the
same JSON shape as ours ({"model", "user", "recommendations": [{"item", "title", "score"}]}).

It trains implicit's AlternatingLeastSquares with our iALS defaults where implicit has them
(64 factors, 15 iterations, confidence 1 + 0.4·r; implicit's own constant regularization 0.01·λ
style differs, so the lists differ: this is a serving comparison, not an accuracy one), filters the
user's rated items as ours does, then serves on 127.0.0.1 with one uvicorn worker (our server also
runs one process). Stop it with SIGTERM.

usage: scripts/serve-python-peer.py DATA_DIR PORT   (DATA_DIR holds ml-100k/ml-100k.inter and .item)
needs: pip install fastapi uvicorn implicit==0.7.3
"""
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # implicit warns (and slows) otherwise
import numpy as np
import scipy.sparse as sp
import uvicorn
from fastapi import FastAPI, HTTPException, Query
from implicit.als import AlternatingLeastSquares


def load(data_dir):
    base = os.path.join(data_dir, "ml-100k")
    users, items, ratings = [], [], []
    with open(os.path.join(base, "ml-100k.inter"), encoding="utf-8") as f:
        next(f)
        for line in f:
            u, i, r, _ = line.rstrip("\n").split("\t")
            users.append(u), items.append(i), ratings.append(float(r))
    titles = {}
    with open(os.path.join(base, "ml-100k.item"), encoding="latin-1") as f:
        next(f)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            titles[parts[0]] = parts[1]
    user_ids = sorted(set(users), key=int)
    item_ids = sorted(set(items), key=int)
    uix = {u: n for n, u in enumerate(user_ids)}
    iix = {i: n for n, i in enumerate(item_ids)}
    rows = np.fromiter((uix[u] for u in users), dtype=np.int32)
    cols = np.fromiter((iix[i] for i in items), dtype=np.int32)
    conf = 1.0 + 0.4 * np.asarray(ratings, dtype=np.float32)
    matrix = sp.csr_matrix((conf, (rows, cols)), shape=(len(user_ids), len(item_ids)), dtype=np.float32)
    return matrix, user_ids, item_ids, uix, titles


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    data_dir, port = sys.argv[1], int(sys.argv[2])
    matrix, user_ids, item_ids, uix, titles = load(data_dir)
    model = AlternatingLeastSquares(factors=64, iterations=15, regularization=0.05, random_state=0)
    model.fit(matrix, show_progress=False)
    item_titles = [titles.get(i, i) for i in item_ids]
    app = FastAPI()

    @app.get("/readyz")
    def ready():
        return {"status": "ready"}

    @app.get("/v1/users/{user}/recommendations")
    def recommend(user: str, k: int = Query(10, ge=1, le=1000)):
        row = uix.get(user)
        if row is None:
            raise HTTPException(status_code=404, detail=f"unknown user '{user}'")
        ids, scores = model.recommend(row, matrix[row], N=k, filter_already_liked_items=True)
        return {"model": "implicit-als", "user": user,
                "recommendations": [{"item": item_ids[i], "title": item_titles[i], "score": float(s)} for i, s in zip(ids, scores)]}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", workers=1)


if __name__ == "__main__":
    main()
