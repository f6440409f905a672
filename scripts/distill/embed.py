"""Stage 1: teacher vectors + layer-1..3 features for docs, test queries, pseudo-queries.

usage: embed.py docs|queries|pseudo [N_PSEUDO]
Pseudo-queries come ONLY from corpus text: titles, single sentences, random 6-22-word windows.
"""
import random, re, sys, time
import numpy as np
from dcommon import *

what = sys.argv[1]
tok, model = load_model()
t0 = time.time()
if what == "docs":
    corpus = load_corpus()
    out = embed_all(tok, model, [doc_text(t, x) for _, t, x in corpus], max_len=256, bs=16)
    np.savez(f"{CACHE}/docs.npz", ids=np.array([c[0] for c in corpus]), **out)
elif what == "queries":
    qids, qtexts, _ = load_test_queries()
    out = embed_all(tok, model, qtexts, max_len=256, bs=32)
    np.savez(f"{CACHE}/queries.npz", ids=np.array(qids), **out)
elif what == "pseudo":
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 40000
    rng = random.Random(0)
    corpus = load_corpus()
    titles, sents, wins = [], [], []
    for _, t, x in corpus:
        if t:
            titles.append(t)
        for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9(])", x):
            w = s.split()
            if 5 <= len(w) <= 45:
                sents.append(s)
        w = x.split()
        for _ in range(3):
            if len(w) < 8:
                break
            k = rng.randint(6, min(22, len(w)))
            i = rng.randint(0, len(w) - k)
            wins.append(" ".join(w[i:i + k]))
    rng.shuffle(sents); rng.shuffle(wins)
    n_s = min(len(sents), int(0.55 * (n - len(titles))))
    texts = titles + sents[:n_s] + wins[: n - len(titles) - n_s]
    kind = ["title"] * len(titles) + ["sent"] * n_s + ["win"] * (len(texts) - len(titles) - n_s)
    print(f"pseudo-queries: {len(titles)} titles, {n_s} sentences (of {len(sents)}), {len(texts)-len(titles)-n_s} windows", flush=True)
    out = embed_all(tok, model, texts, max_len=64, bs=64, log_every=50)
    np.savez(f"{CACHE}/pseudo.npz", texts=np.array(texts), kind=np.array(kind), **out)
print(f"{what}: {time.time() - t0:.1f}s")
