# Writes Tests/Fixtures/reader-reference.json: the span reader's start/end logits (and the [CLS] pair) computed by
# PyTorch over all-MiniLM-L6-v2 with the reader's adapters merged in (W += B·A, biases and LayerNorms replaced, as
# LowRankAdapters does), for six qa-dev questions whose passage fits one window; and the best word-aligned span.
# Args: WEIGHTS (span-reader.safetensors)
import json, os, sys, torch
from safetensors.torch import load_file
from tokenizers import Tokenizer
from transformers import BertModel
M = os.environ.get('RAG_MODELS', 'Models') + '/minilm'
D = os.environ.get('QA_DEV', '../shared/eval/qa-dev') + '/squad-v1.1-dev/'
W = load_file(sys.argv[1])
tok = Tokenizer.from_file(M + '/tokenizer.json'); tok.no_truncation(); tok.no_padding()
bert = BertModel.from_pretrained(M, add_pooling_layer=False).eval()
with torch.no_grad():
    for i, layer in enumerate(bert.encoder.layer):
        for name in ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense', 'intermediate.dense', 'output.dense']:
            lin = layer.get_submodule(name)
            lin.weight += W[f'{i}.{name}.lora_b'] @ W[f'{i}.{name}.lora_a']
            lin.bias.copy_(W[f'{i}.{name}.bias'])
        for name in ['attention.output.LayerNorm', 'output.LayerNorm']:
            n = layer.get_submodule(name); n.weight.copy_(W[f'{i}.{name}.weight']); n.bias.copy_(W[f'{i}.{name}.bias'])
P = {j['_id']: j for j in map(json.loads, open(D + 'passages.jsonl'))}
Q = [json.loads(l) for l in open(D + 'qa.jsonl')]
out = []
for q in [Q[i] for i in (5000, 6000, 7000, 8000, 9000, 10000)]:
    text = P[q['passage_ids'][0]]['text']
    qi = tok.encode(q['question'].strip(), add_special_tokens=False).ids[:48]
    pe = tok.encode(text, add_special_tokens=False); pw = pe.ids[:384 - len(qi) - 3]; ow = pe.offsets[:len(pw)]
    ids = [101] + qi + [102] + pw + [102]; types = [0] * (len(qi) + 2) + [1] * (len(pw) + 1)
    with torch.no_grad():
        h = bert(input_ids=torch.tensor([ids]), token_type_ids=torch.tensor([types])).last_hidden_state[0]
        y = h @ W['head.weight'].t() + W['head.bias']
    base = len(qi) + 2; n = len(pw); s, e = y[base:base + n, 0], y[base:base + n, 1]
    cont = [tok.id_to_token(t).startswith('##') for t in pw]
    best = None
    for a in range(n):
        if cont[a]: continue
        for b in range(a, min(n, a + 25)):
            if b + 1 < n and cont[b + 1]: continue
            if best is None or s[a] + e[b] > best[0]: best = (float(s[a] + e[b]), a, b)
    _, a, b = best
    out.append(dict(question=q['question'], passage=text, start_logits=[round(float(v), 4) for v in s], end_logits=[round(float(v), 4) for v in e],
                    null_logits=[round(float(y[0, 0]), 4), round(float(y[0, 1]), 4)], best=text[ow[a][0]:ow[b][1]], gold=q['answers']))
    print(q['question'], '->', out[-1]['best'], '| gold', q['answers'])
json.dump(dict(note='Span reader reference (scripts/reader/fixture.py): PyTorch forward of all-MiniLM-L6-v2 with the reader adapters merged, per passage token start/end logits, the [CLS] pair, and the best word-aligned span of at most 25 tokens', items=out),
          open('Tests/Fixtures/reader-reference.json', 'w'), indent=0)
