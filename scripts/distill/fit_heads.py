"""Stage 2: ridge maps and MLP heads on frozen first-L-layer features (L = 2, 3).

Fitting uses ONLY corpus-derived data (docs.npz, pseudo.npz); the ridge alpha is chosen on a held-out
slice of the same corpus-derived data. Test queries (queries.npz) are used only to report
nDCG@10 and mean cosine to the teacher.
usage: fit_heads.py [mlp_seconds_per_run]
"""
import json, sys, time
import numpy as np
import torch
from dcommon import *

MLP_SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 90
D = np.load(f"{CACHE}/docs.npz"); Q = np.load(f"{CACHE}/queries.npz"); P = np.load(f"{CACHE}/pseudo.npz")
doc_ids = list(D["ids"]); dvec = D["teacher"]
qids, _, qrels = load_test_queries()
assert list(Q["ids"]) == qids
rng = np.random.default_rng(0)
rows = []


def report(name, L, qv, secs, extra=""):
    r = dict(method=name, L=L, ndcg10=round(ndcg10(qv, dvec, qids, doc_ids, qrels), 4),
             cos=round(mean_cos(qv, Q["teacher"]), 4), train_s=round(secs, 1), note=extra)
    rows.append(r); print(json.dumps(r), flush=True)


def feats(src, L, kind):
    names = {"mean": [f"mean{L}"], "rich": [f"mean{L}", f"max{L}", f"cls{L}", f"mean{L-1}"]}[kind]
    return np.concatenate([src[n] for n in names], 1).astype(np.float64)


def ridge_fit(X, Y, alphas, val_frac=0.1):
    """Standardised-feature ridge with bias; alpha chosen by held-out mean cosine."""
    n = len(X); perm = rng.permutation(n); nv = int(n * val_frac)
    va, tr = perm[:nv], perm[nv:]

    def fit(idx, a):
        mu, sd = X[idx].mean(0), X[idx].std(0) + 1e-6
        Z = (X[idx] - mu) / sd; ym = Y[idx].mean(0)
        W = np.linalg.solve(Z.T @ Z + a * len(idx) * np.eye(Z.shape[1]), Z.T @ (Y[idx] - ym))
        return lambda A: ((A - mu) / sd) @ W + ym
    best = max(alphas, key=lambda a: mean_cos(fit(tr, a)(X[va]), Y[va]))
    return fit(np.arange(n), best), best


ALPHAS = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1]
report("full 6-layer teacher", 6, Q["teacher"], 0)
for L in (2, 3):
    report("no map (mean pool of layer L)", L, Q[f"mean{L}"], 0)
    # 2. ridge on whole-document pooled states
    t = time.time(); f, a = ridge_fit(feats(D, L, "mean"), D["teacher"].astype(np.float64), ALPHAS)
    report("ridge, docs, mean", L, f(feats(Q, L, "mean")), time.time() - t, f"alpha={a}")
    # 3. ridge on pseudo-queries (and docs+pseudo), mean and rich features
    for kind in ("mean", "rich"):
        t = time.time(); f, a = ridge_fit(feats(P, L, kind), P["teacher"].astype(np.float64), ALPHAS)
        report(f"ridge, pseudo, {kind}", L, f(feats(Q, L, kind)), time.time() - t, f"alpha={a}")
    t = time.time()
    X = np.concatenate([feats(P, L, "rich"), feats(D, L, "rich")]); Y = np.concatenate([P["teacher"], D["teacher"]]).astype(np.float64)
    f, a = ridge_fit(X, Y, ALPHAS)
    report("ridge, pseudo+docs, rich", L, f(feats(Q, L, "rich")), time.time() - t, f"alpha={a}")

    # 4. MLP heads, cosine loss, on pseudo-queries (+ docs)
    for kind in ("mean", "rich"):
        Xp = feats(P, L, kind).astype(np.float32); Yp = P["teacher"]
        mu, sd = Xp.mean(0), Xp.std(0) + 1e-6
        Xt = torch.tensor((Xp - mu) / sd); Yt = torch.tensor(Yp)
        Xq = torch.tensor((feats(Q, L, kind).astype(np.float32) - mu) / sd)
        din = Xt.shape[1]
        torch.manual_seed(0)
        lin = torch.nn.Linear(din, 384)
        mlp = torch.nn.Sequential(torch.nn.Linear(din, 1536), torch.nn.GELU(), torch.nn.Linear(1536, 384))
        torch.nn.init.zeros_(mlp[2].weight); torch.nn.init.zeros_(mlp[2].bias)
        head = lambda x: lin(x) + mlp(x)  # linear skip + GELU MLP residual
        params = list(lin.parameters()) + list(mlp.parameters())
        opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=1e-4)
        nv = 2000; perm = torch.randperm(len(Xt)); va, tr = perm[:nv], perm[nv:]
        t = time.time(); step = 0; curve = []
        while time.time() - t < MLP_SECONDS:
            idx = tr[torch.randint(len(tr), (256,))]
            loss = 1 - torch.nn.functional.cosine_similarity(head(Xt[idx]), Yt[idx]).mean()
            opt.zero_grad(); loss.backward(); opt.step(); step += 1
            if step % 500 == 0:
                with torch.no_grad():
                    vl = 1 - torch.nn.functional.cosine_similarity(head(Xt[va]), Yt[va]).mean().item()
                curve.append((round(time.time() - t), round(vl, 4)))
        with torch.no_grad():
            qv = head(Xq).numpy()
        report(f"MLP {din}->1536->384 GELU (+linear skip), pseudo, {kind}", L, qv, time.time() - t,
               f"steps={step} val_loss_curve={curve[::max(1, len(curve)//6)]}")

json.dump(rows, open(f"{CACHE}/heads_results.json", "w"), indent=1)
