#!/usr/bin/env python3
"""Writes a small MovieLens-shaped fixture (ratings.csv, movies.csv) for scripts/serve-checks.sh:
300 users in three taste groups over 120 movies of three genres, fixed seed."""
import os, random, sys
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = random.Random(11)
genres = ["Comedy", "Drama", "Sci-Fi"]
words = ["Star", "River", "Night", "Garden", "Empire", "Voyage", "Secret", "Summer"]
with open(os.path.join(out, "movies.csv"), "w") as f:
    f.write("movieId,title,genres\n")
    for m in range(1, 121):
        f.write(f"{m},{words[m % len(words)]} {genres[m % 3]} {m} ({1980 + m % 30}),{genres[m % 3]}\n")
with open(os.path.join(out, "ratings.csv"), "w") as f:
    f.write("userId,movieId,rating,timestamp\n")
    for u in range(1, 301):
        for m in range(1, 121):
            if rng.random() < 0.25:
                liked = (m % 3) == (u % 3)
                f.write(f"{u},{m},{rng.choice([4, 5]) if liked else rng.choice([1, 2, 3])},{1000000 + u * 1000 + m}\n")
