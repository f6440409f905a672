# Prototype: MiniLM joint (question, passage) token states for a span reader. numpy forward of all-MiniLM-L6-v2.
import json, sys, numpy as np, re
from safetensors.numpy import load_file
from tokenizers import Tokenizer
from scipy.special import erf
M=os.environ.get('RAG_MODELS','Models')+'/minilm/'
W=load_file(M+'model.safetensors')
def g(n):
    for k in (n,'bert.'+n):
        if k in W: return W[k].astype(np.float32)
    raise KeyError(n)
tok=Tokenizer.from_file(M+'tokenizer.json'); tok.no_truncation(); tok.no_padding()
def ln(x,w,b,eps=1e-12):
    m=x.mean(-1,keepdims=True); v=((x-m)**2).mean(-1,keepdims=True); return ((x-m)/np.sqrt(v+np.float32(eps))*w+b).astype(np.float32)
WE=g('embeddings.word_embeddings.weight'); PE=g('embeddings.position_embeddings.weight'); TE=g('embeddings.token_type_embeddings.weight')
EL=(g('embeddings.LayerNorm.weight'),g('embeddings.LayerNorm.bias'))
L=[]
for i in range(6):
    p=f'encoder.layer.{i}.'
    L.append({k:g(p+v) for k,v in dict(qw='attention.self.query.weight',qb='attention.self.query.bias',kw='attention.self.key.weight',kb='attention.self.key.bias',vw='attention.self.value.weight',vb='attention.self.value.bias',ow='attention.output.dense.weight',ob='attention.output.dense.bias',l1w='attention.output.LayerNorm.weight',l1b='attention.output.LayerNorm.bias',iw='intermediate.dense.weight',ib='intermediate.dense.bias',fw='output.dense.weight',fb='output.dense.bias',l2w='output.LayerNorm.weight',l2b='output.LayerNorm.bias').items()})
def forward(ids,types,keep=(3,5)):
    n=len(ids); x=WE[ids]+PE[:n]+TE[types]; x=ln(x,*EL); out=[]
    for i,l in enumerate(L):
        q=(x@l['qw'].T+l['qb']).reshape(n,12,32).transpose(1,0,2); k=(x@l['kw'].T+l['kb']).reshape(n,12,32).transpose(1,0,2); v=(x@l['vw'].T+l['vb']).reshape(n,12,32).transpose(1,0,2)
        s=q@k.transpose(0,2,1)*0.17677669529663687; s-=s.max(-1,keepdims=True); e=np.exp(s); e/=e.sum(-1,keepdims=True)
        c=(e@v).transpose(1,0,2).reshape(n,384)
        a=ln(c@l['ow'].T+l['ob']+x,l['l1w'],l['l1b'])
        f=a@l['iw'].T+l['ib']; f=0.5*f*(1+erf(f*np.float32(0.7071067811865476)))
        x=ln(f@l['fw'].T+l['fb']+a,l['l2w'],l['l2b'])
        if i in keep: out.append(x)
    return out
CLS,SEP=101,102
def encode_pair(question, passage, maxlen=384):
    q=tok.encode(question.strip(),add_special_tokens=False); p=tok.encode(passage,add_special_tokens=False)
    qi=q.ids[:64]; room=maxlen-len(qi)-3
    return qi, p.ids, p.offsets, room
