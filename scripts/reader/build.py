import os; OUT=os.environ.get('READER_OUT','.build-reader'); import sys, json, random, numpy as np, time
sys.path.insert(0,os.path.dirname(os.path.abspath(__file__))); from feat import *
D=os.environ.get('QA_DEV','../shared/eval/qa-dev')+'/squad-v1.1-dev/'
P={j['_id']:j for j in map(json.loads,open(D+'passages.jsonl'))}
Q=[json.loads(l) for l in open(D+'qa.jsonl')]
split=sys.argv[1]; out=sys.argv[2]; limit=int(sys.argv[3])
art=lambda q:int(q['passage_ids'][0][1:3])
if split=='train': qs=[q for q in Q if art(q)<24]
else: qs=[q for q in Q if art(q)>=24]
random.Random(1).shuffle(qs); off=int(sys.argv[4]) if len(sys.argv)>4 else 0; qs=qs[off:off+limit]
recs=[]; t=time.time()
for i,q in enumerate(qs):
    p=P[q['passage_ids'][0]]; text=p['text']
    qi=tok.encode(q['question'].strip(),add_special_tokens=False).ids[:48]
    pe=tok.encode(text,add_special_tokens=False); pids=pe.ids; offs=pe.offsets
    room=384-len(qi)-3
    a=q['answers'][0]; ac=text.find(a); ae=ac+len(a)
    s=e=-1
    for j,(o0,o1) in enumerate(offs):
        if s<0 and o1>ac: s=j
        if o0<ae: e=j
    w0=0
    if len(pids)>room:
        w0=max(0,min(s-random.Random(i).randrange(room//2), len(pids)-room)) if s>=0 else 0
    pw=pids[w0:w0+room]; ow=offs[w0:w0+room]
    ids=[CLS]+qi+[SEP]+pw+[SEP]; types=[0]*(len(qi)+2)+[1]*(len(pw)+1)
    h3,h5=forward(ids,types)
    base=len(qi)+2; n=len(pw)
    recs.append(dict(id=q['id'],pid=q['passage_ids'][0],q=qi,pids=pw,offs=ow,s=s-w0,e=e-w0,
        h3=h3[base:base+n].astype(np.float16),h5=h5[base:base+n].astype(np.float16),qh5=h5[1:1+len(qi)].astype(np.float16),cls=h5[0].astype(np.float16)))
    if i%200==0: print(i,time.time()-t,flush=True)
import pickle; pickle.dump(recs,open(out,'wb'),protocol=4)
print('done',len(recs),time.time()-t)
