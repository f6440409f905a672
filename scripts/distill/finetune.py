"""Stage 3: fine-tune the first L BERT layers (+ a linear head) by distillation on pseudo-queries.

usage: finetune.py L MINUTES [loss=cos|mse]
Training data: pseudo.npz (corpus titles / sentences / windows) with the teacher's vectors as targets.
Word-embedding matrix frozen (30522x384; dense Adam on it is the dominant cost and a Swift trainer
would not want it); position/type embeddings, embedding LayerNorm, all L layers and the head train.
Test queries are evaluated periodically ONLY to report how nDCG moves with training time (no selection).
"""
import copy, json, sys, time
import numpy as np
import torch
import torch.nn.functional as F
from dcommon import *

L = int(sys.argv[1]); MINUTES = float(sys.argv[2]); LOSS = sys.argv[3] if len(sys.argv) > 3 else "cos"
tok, teacher = load_model()
P = np.load(f"{CACHE}/pseudo.npz"); D = np.load(f"{CACHE}/docs.npz"); Q = np.load(f"{CACHE}/queries.npz")
doc_ids = list(D["ids"]); qids, qtexts, qrels = load_test_queries()
texts = list(P["texts"]); Y = torch.tensor(P["teacher"])

student = copy.deepcopy(teacher)
student.encoder.layer = student.encoder.layer[:L]
student.config.num_hidden_layers = L
student.embeddings.word_embeddings.weight.requires_grad_(False)

# head initialised by least squares (ridge) on the pseudo-query mean features of layer L (corpus only)
X = P[f"mean{L}"].astype(np.float64); xm, ym = X.mean(0), P["teacher"].mean(0)
Xc = X - xm; W = np.linalg.solve(Xc.T @ Xc + 1e-3 * len(X) * np.diag(Xc.var(0)), Xc.T @ (P["teacher"] - ym))
head = torch.nn.Linear(384, 384)
with torch.no_grad():
    head.weight.copy_(torch.tensor(W.T, dtype=torch.float32)); head.bias.copy_(torch.tensor(ym - xm @ W, dtype=torch.float32))

rng = np.random.default_rng(L); perm = rng.permutation(len(texts)); va, tr = perm[:1000], perm[1000:]


def encode(batch_texts, train):
    enc = tok(batch_texts, padding=True, truncation=True, max_length=64, return_tensors="pt")
    h = student(**enc).last_hidden_state
    return head(mean_pool(h, enc["attention_mask"]))


def loss_fn(pred, y):
    if LOSS == "mse":
        return ((F.normalize(pred, dim=-1) - y) ** 2).sum(-1).mean()
    return 1 - F.cosine_similarity(pred, y).mean()


@torch.inference_mode()
def evaluate():
    student.eval()
    vl = np.mean([loss_fn(encode([texts[i] for i in va[s:s + 100]], False), Y[va[s:s + 100]]).item() for s in range(0, len(va), 100)])
    qv = np.concatenate([encode(qtexts[s:s + 100], False).numpy() for s in range(0, len(qtexts), 100)])
    student.train()
    return vl, ndcg10(qv, D["teacher"], qids, doc_ids, qrels), mean_cos(qv, Q["teacher"])


opt = torch.optim.AdamW([
    {"params": [p for p in student.parameters() if p.requires_grad], "lr": 1e-4},
    {"params": head.parameters(), "lr": 3e-4}], weight_decay=0.01)
BS = 32
vl, nd, cs = evaluate()
curve = [dict(t=0, step=0, train_loss=None, val_loss=round(vl, 4), ndcg10=round(nd, 4), cos=round(cs, 4))]
print(json.dumps(curve[-1]), flush=True)
student.train(); t0 = time.time(); step = 0; run_loss = []; eval_every = 120; next_eval = eval_every; ep_pos = 0
order = rng.permutation(tr)
while True:
    el = time.time() - t0
    if el >= MINUTES * 60:
        break
    if ep_pos + BS > len(order):
        order = rng.permutation(tr); ep_pos = 0
    idx = order[ep_pos:ep_pos + BS]; ep_pos += BS
    loss = loss_fn(encode([texts[i] for i in idx], True), Y[idx])
    opt.zero_grad(); loss.backward(); opt.step(); step += 1; run_loss.append(loss.item())
    if time.time() - t0 >= next_eval:
        train_s = time.time() - t0
        vl, nd, cs = evaluate()
        curve.append(dict(t=round(train_s), step=step, examples=step * BS, train_loss=round(float(np.mean(run_loss[-100:])), 4),
                          val_loss=round(vl, 4), ndcg10=round(nd, 4), cos=round(cs, 4)))
        print(json.dumps(curve[-1]), flush=True)
        next_eval += eval_every
        t0 += time.time() - t0 - train_s  # exclude eval time from the training clock
train_s = time.time() - t0
vl, nd, cs = evaluate()
curve.append(dict(t=round(train_s), step=step, examples=step * BS, train_loss=round(float(np.mean(run_loss[-100:])), 4),
                  val_loss=round(vl, 4), ndcg10=round(nd, 4), cos=round(cs, 4)))
print(json.dumps(curve[-1]), flush=True)
json.dump(dict(L=L, loss=LOSS, minutes=MINUTES, curve=curve), open(f"{CACHE}/finetune_L{L}_{LOSS}.json", "w"), indent=1)
torch.save(dict(student=student.state_dict(), head=head.state_dict()), f"{CACHE}/student_L{L}_{LOSS}.pt")
