# Fine-tunes the span reader: all-MiniLM-L6-v2 (Models/minilm) with low-rank adapters (LoRA) on every linear layer,
# its biases and LayerNorms trainable, and a linear start/end head over the last layer, on SQuAD v1.1 dev articles
# [0, TRAIN_ARTICLES) (never 24–47, the reported half). A question is read with its gold paragraph (target: the
# answer's first and last token) and, for half of the questions, also with another paragraph of its article
# (target: [CLS], "no answer here"), so that scores are comparable across the passages of one question.
# Writes OUT/span-reader.safetensors: per layer and linear `L.NAME.lora_a` [r, in], `L.NAME.lora_b` [out, r]
# (scaled), `L.NAME.bias`, the LayerNorms' `L.NORM.weight/.bias`, and `head.weight` [2, 384], `head.bias` [2].
# Args: OUT [epochs] [rank] [train_articles] [val_articles_end]
import gzip, json, math, os, random, sys, time
import torch, torch.nn as nn, torch.nn.functional as F
from safetensors.torch import save_file
from tokenizers import Tokenizer
from transformers import BertModel

torch.manual_seed(0); random.seed(0)
torch.set_num_threads(int(os.environ.get('THREADS', '2')))
OUT = sys.argv[1]
EPOCHS = float(sys.argv[2]) if len(sys.argv) > 2 else 3
RANK = int(sys.argv[3]) if len(sys.argv) > 3 else 16
TRAIN_ARTICLES = int(sys.argv[4]) if len(sys.argv) > 4 else 24
VAL_END = int(sys.argv[5]) if len(sys.argv) > 5 else TRAIN_ARTICLES
M = os.environ.get('RAG_MODELS', 'Models') + '/minilm'
D = os.environ.get('QA_DEV', '../shared/eval/qa-dev') + '/squad-v1.1-dev/'
MAXLEN, MAXQ, BATCH, LR, ALPHA = 384, 48, 16, float(os.environ.get('LR', '5e-4')), 2.0
CLS, SEP = 101, 102

tok = Tokenizer.from_file(M + '/tokenizer.json'); tok.no_truncation(); tok.no_padding()
official = json.load(gzip.open(D + 'dev-v1.1.json.gz'))['data']

def window_examples(question, text, answer=None, seed=0):
    """(ids, types, start, end, offsets, base) for one window; answer = (char_start, char_end) or None."""
    qi = tok.encode(question.strip(), add_special_tokens=False).ids[:MAXQ]
    pe = tok.encode(text, add_special_tokens=False)
    ids, offs = pe.ids, pe.offsets
    room = MAXLEN - len(qi) - 3
    s = e = -1
    if answer is not None:
        ac, ae = answer
        for j, (o0, o1) in enumerate(offs):
            if s < 0 and o1 > ac: s = j
            if o0 < ae: e = j
    w0 = 0
    if len(ids) > room:
        w0 = max(0, min(s - random.Random(seed).randrange(room // 2), len(ids) - room)) if s >= 0 else random.Random(seed).randrange(len(ids) - room + 1)
    pw, ow = ids[w0:w0 + room], offs[w0:w0 + room]
    base = len(qi) + 2
    seq = [CLS] + qi + [SEP] + pw + [SEP]
    types = [0] * base + [1] * (len(pw) + 1)
    if s >= 0 and s - w0 < len(pw) and e - w0 < len(pw) and e >= s:
        st, en = base + s - w0, base + e - w0
    else:
        st = en = 0
    return seq, types, st, en, ow, base

def examples(articles, negatives, seed):
    rng = random.Random(seed); out = []
    for a in articles:
        paras = official[a]['paragraphs']
        for p_i, para in enumerate(paras):
            for qa in para['qas']:
                ans = qa['answers'][0]
                span = (ans['answer_start'], ans['answer_start'] + len(ans['text']))
                out.append(window_examples(qa['question'], para['context'], span, seed=len(out)) + (qa, a, p_i))
                if negatives and rng.random() < 0.5 and len(paras) > 1:
                    other = rng.choice([k for k in range(len(paras)) if k != p_i])
                    out.append(window_examples(qa['question'], paras[other]['context'], None, seed=len(out)) + (None, a, other))
    return out

class LoRALinear(nn.Module):
    def __init__(self, base: nn.Linear, r):
        super().__init__()
        self.base = base; base.weight.requires_grad_(False)
        self.a = nn.Parameter(torch.randn(r, base.in_features) / math.sqrt(base.in_features))
        self.b = nn.Parameter(torch.zeros(base.out_features, r))
        self.scale = ALPHA
    def forward(self, x):
        return self.base(x) + (x @ self.a.t() @ self.b.t()) * self.scale

NAMES = ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense', 'intermediate.dense', 'output.dense']
NORMS = ['attention.output.LayerNorm', 'output.LayerNorm']

bert = BertModel.from_pretrained(M, add_pooling_layer=False)
for p in bert.parameters(): p.requires_grad_(False)
loras = {}
for i, layer in enumerate(bert.encoder.layer):
    for name in NAMES:
        parent = layer.get_submodule(name.rsplit('.', 1)[0]); leaf = name.rsplit('.', 1)[1]
        lin = getattr(parent, leaf)
        lin.bias.requires_grad_(True)
        wrapped = LoRALinear(lin, RANK); setattr(parent, leaf, wrapped); loras[(i, name)] = wrapped
    for name in NORMS:
        n = layer.get_submodule(name); n.weight.requires_grad_(True); n.bias.requires_grad_(True)
head = nn.Linear(384, 2)
nn.init.normal_(head.weight, std=0.02); nn.init.zeros_(head.bias)
params = [p for p in bert.parameters() if p.requires_grad] + list(head.parameters())
print('trainable', sum(p.numel() for p in params), flush=True)

train = examples(range(TRAIN_ARTICLES), True, 1)
val = [x for x in examples(range(TRAIN_ARTICLES, VAL_END), False, 2)] if VAL_END > TRAIN_ARTICLES else []
print('train windows', len(train), 'val', len(val), flush=True)

def batches(data, shuffle, seed):
    order = sorted(range(len(data)), key=lambda k: len(data[k][0]))
    chunks = [order[k:k + BATCH] for k in range(0, len(order), BATCH)]
    if shuffle: random.Random(seed).shuffle(chunks)
    for c in chunks:
        n = max(len(data[k][0]) for k in c)
        ids = torch.zeros(len(c), n, dtype=torch.long); types = torch.zeros_like(ids); mask = torch.zeros_like(ids)
        for r, k in enumerate(c):
            L = len(data[k][0]); ids[r, :L] = torch.tensor(data[k][0]); types[r, :L] = torch.tensor(data[k][1]); mask[r, :L] = 1
        yield c, ids, types, mask, torch.tensor([data[k][2] for k in c]), torch.tensor([data[k][3] for k in c])

def logits(ids, types, mask):
    h = bert(input_ids=ids, token_type_ids=types, attention_mask=mask).last_hidden_state
    y = head(h)
    big = torch.finfo(y.dtype).min
    return y[..., 0].masked_fill(mask == 0, big), y[..., 1].masked_fill(mask == 0, big)

steps = int(math.ceil(len(train) / BATCH) * EPOCHS)
opt = torch.optim.AdamW(params, lr=LR, weight_decay=0.01)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1, (s + 1) / (0.06 * steps)) * max(0.0, (steps - s) / steps))

import re, string, collections
def norm(s):
    s = s.lower(); s = ''.join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r'\b(a|an|the)\b', ' ', s); return ' '.join(s.split())
def f1(p, g):
    pt, gt = norm(p).split(), norm(g).split(); c = collections.Counter(pt) & collections.Counter(gt); n = sum(c.values())
    if n == 0: return 0.0
    pr, rc = n / len(pt), n / len(gt); return 2 * pr * rc / (pr + rc)

def evaluate():
    bert.eval(); em = f = 0
    with torch.no_grad():
        for c, ids, types, mask, _, _ in batches(val, False, 0):
            s, e = logits(ids, types, mask)
            for r, k in enumerate(c):
                seq, _, _, _, offs, base, qa, a, p_i = val[k]
                n = len(offs); ss, ee = s[r, base:base + n], e[r, base:base + n]
                sc = ss[:, None] + ee[None, :]
                sc = sc + torch.triu(torch.zeros(n, n), 0).masked_fill(torch.tril(torch.ones(n, n), -1).bool(), -1e9)
                sc = sc.masked_fill(torch.triu(torch.ones(n, n), 25).bool(), -1e9)
                flat = int(sc.argmax()); i, j = flat // n, flat % n
                text = official[a]['paragraphs'][p_i]['context'][offs[i][0]:offs[j][1]]
                golds = [x['text'] for x in qa['answers']]
                em += max(norm(text) == norm(g) for g in golds); f += max(f1(text, g) for g in golds)
    bert.train(); return 100 * em / max(1, len(val)), 100 * f / max(1, len(val))

t0 = time.time(); step = 0; bert.train()
for epoch in range(int(math.ceil(EPOCHS))):
    run = 0.0
    for c, ids, types, mask, st, en in batches(train, True, epoch):
        if step >= steps: break
        s, e = logits(ids, types, mask)
        loss = (F.cross_entropy(s, st) + F.cross_entropy(e, en)) / 2
        opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(params, 1.0); opt.step(); sched.step(); step += 1
        run = 0.98 * run + 0.02 * loss.item() if step > 1 else loss.item()
        if step % 25 == 0: print(f'step {step}/{steps} loss {run:.3f} {time.time() - t0:.0f}s', flush=True)
    if val: print('epoch', epoch, 'val EM/F1 %.2f %.2f' % evaluate(), f'{time.time() - t0:.0f}s', flush=True)

out = {}
for (i, name), m in loras.items():
    out[f'{i}.{name}.lora_a'] = m.a.detach().contiguous()
    out[f'{i}.{name}.lora_b'] = (m.b.detach() * m.scale).contiguous()
    out[f'{i}.{name}.bias'] = m.base.bias.detach().contiguous()
for i, layer in enumerate(bert.encoder.layer):
    for name in NORMS:
        n = layer.get_submodule(name)
        out[f'{i}.{name}.weight'] = n.weight.detach().contiguous(); out[f'{i}.{name}.bias'] = n.bias.detach().contiguous()
out['head.weight'] = head.weight.detach().contiguous(); out['head.bias'] = head.bias.detach().contiguous()
os.makedirs(OUT, exist_ok=True)
save_file({k: v.float() for k, v in out.items()}, OUT + '/span-reader.safetensors',
          metadata={'format': 'rag-span-reader-lora', 'rank': str(RANK), 'train_articles': f'0-{TRAIN_ARTICLES - 1}'})
print('saved', OUT, time.time() - t0, flush=True)
