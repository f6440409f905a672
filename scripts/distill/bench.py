"""Rough batch-1 query latency of the first L layers vs all 6 (torch, 1 thread), on the test queries."""
import copy, time
import numpy as np
import torch
from dcommon import *

tok, model = load_model()
_, qtexts, _ = load_test_queries()
encs = [tok(q, truncation=True, max_length=256, return_tensors="pt") for q in qtexts]
print("tokens per query: median", int(np.median([e["input_ids"].shape[1] for e in encs])))
for L in (1, 2, 3, 6):
    m = copy.deepcopy(model); m.encoder.layer = m.encoder.layer[:L]; m.config.num_hidden_layers = L
    head = torch.nn.Linear(384, 384)
    ts = []
    with torch.inference_mode():
        for rep in range(2):
            for e in encs:
                t = time.perf_counter()
                v = mean_pool(m(**e).last_hidden_state, e["attention_mask"])
                if L < 6:
                    v = head(v)
                torch.nn.functional.normalize(v, dim=-1)
                ts.append(time.perf_counter() - t)
    ts = np.array(ts[len(encs):]) * 1e3
    print(f"L={L}: p50 {np.median(ts):.2f} ms  mean {ts.mean():.2f} ms")
