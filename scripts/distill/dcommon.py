"""Shared helpers for the distilled-query-encoder experiments (see README.md here).

Everything runs on one CPU thread (torch.set_num_threads(1)) so a core stays free.
Cache of embeddings/features: $DISTILL_CACHE (default ~/.cache/rag-anchors/distill).
"""
import json, math, os, sys, time
from collections import defaultdict

import numpy as np
import torch

torch.set_num_threads(1)
torch.set_num_interop_threads(1) if hasattr(torch, "set_num_interop_threads") else None

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODEL_DIR = os.environ.get("MINILM_DIR", os.path.join(ROOT, "Models", "minilm"))
CORPUS = os.path.join(ROOT, ".eval", "scifact-corpus.jsonl")
SHARED = os.environ.get("RAG_SHARED", os.path.join(ROOT, "..", "shared"))
QUERIES = os.path.join(SHARED, "eval", "scifact", "queries.jsonl")
QRELS = os.path.join(SHARED, "eval", "scifact", "qrels", "test.tsv")
CACHE = os.environ.get("DISTILL_CACHE", os.path.expanduser("~/.cache/rag-anchors/distill"))
os.makedirs(CACHE, exist_ok=True)

sys.path.insert(0, os.path.join(SHARED, "anchors"))
import beir_eval  # noqa: E402  (standard trec_eval-style nDCG@10)


def load_corpus():
    with open(CORPUS, encoding="utf-8") as f:
        return [(o["_id"], o.get("title", ""), o["text"]) for o in map(json.loads, f)]


def doc_text(title, text):
    # BEIR / anchors convention (common.py): title, a space, then the text
    return (title + " " + text).strip() if title else text


def load_test_queries():
    qrels = beir_eval.load_qrels(QRELS)
    with open(QUERIES, encoding="utf-8") as f:
        q = {o["_id"]: o["text"] for o in map(json.loads, f)}
    qids = [qid for qid in qrels if qid in q]
    return qids, [q[i] for i in qids], qrels


def load_model():
    from transformers import AutoModel, AutoTokenizer
    tok = AutoTokenizer.from_pretrained(MODEL_DIR)
    model = AutoModel.from_pretrained(MODEL_DIR)
    model.eval()
    return tok, model


def mean_pool(h, mask):
    m = mask.unsqueeze(-1).to(h.dtype)
    return (h * m).sum(1) / m.sum(1).clamp(min=1e-9)


def max_pool(h, mask):
    m = mask.unsqueeze(-1).bool()
    return h.masked_fill(~m, -1e9).max(1).values


def l2n(x):
    if isinstance(x, torch.Tensor):
        return torch.nn.functional.normalize(x, dim=-1)
    return x / np.linalg.norm(x, axis=-1, keepdims=True).clip(1e-12)


FEATS = ["mean1", "mean2", "max2", "cls2", "mean3", "max3", "cls3"]


@torch.inference_mode()
def embed_all(tok, model, texts, max_len=256, bs=32, log_every=20):
    """Teacher vector (normalised mean of layer 6) + student features of layers 1..3.
    Returns dict name -> float32 array [N, 384]. Batches sorted by length to cut padding."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = {k: np.zeros((len(texts), 384), np.float32) for k in ["teacher"] + FEATS}
    t0 = time.time()
    for bi, s in enumerate(range(0, len(order), bs)):
        idx = order[s:s + bs]
        enc = tok([texts[i] for i in idx], padding=True, truncation=True, max_length=max_len, return_tensors="pt")
        hs = model(**enc, output_hidden_states=True).hidden_states  # 0 = embeddings, k = after layer k
        mask = enc["attention_mask"]
        out["teacher"][idx] = l2n(mean_pool(hs[6], mask)).numpy()
        for L in (1, 2, 3):
            out[f"mean{L}"][idx] = mean_pool(hs[L], mask).numpy()
            if L >= 2:
                out[f"max{L}"][idx] = max_pool(hs[L], mask).numpy()
                out[f"cls{L}"][idx] = hs[L][:, 0].numpy()
        if log_every and bi % log_every == 0:
            print(f"  {s + len(idx)}/{len(texts)}  {time.time() - t0:.0f}s", flush=True)
    return out


def ndcg10(qvecs, dvecs, qids, doc_ids, qrels, k=100):
    """Dense cosine retrieval (vectors are normalised here), nDCG@10 by beir_eval's standard formula."""
    qv = l2n(np.asarray(qvecs, np.float32))
    dv = l2n(np.asarray(dvecs, np.float32))
    S = qv @ dv.T
    top = np.argpartition(-S, k, axis=1)[:, :k]
    run = defaultdict(dict)
    for qi, qid in enumerate(qids):
        for j in top[qi]:
            run[qid][doc_ids[j]] = float(S[qi, j])
    agg = beir_eval.evaluate(run, qrels)[0]
    return float(agg["ndcg@10"])


def mean_cos(a, b):
    return float((l2n(np.asarray(a, np.float32)) * l2n(np.asarray(b, np.float32))).sum(1).mean())
