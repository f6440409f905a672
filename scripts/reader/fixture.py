import os; OUT=os.environ.get('READER_OUT','.build-reader'); import sys, json, pickle, numpy as np
sys.path.insert(0,os.path.dirname(os.path.abspath(__file__))); from feat import *; import train as T; from fit import decode
from safetensors.numpy import load_file
Wt=load_file(''+OUT+'/span-reader.safetensors')
D=os.environ.get('QA_DEV','../shared/eval/qa-dev')+'/squad-v1.1-dev/'
P={j['_id']:j for j in map(json.loads,open(D+'passages.jsonl'))}
Q=[json.loads(l) for l in open(D+'qa.jsonl')]
picks=[Q[i] for i in (5000, 6000, 7000, 8000, 9000, 10000)]
out=[]
for q in picks:
    text=P[q['passage_ids'][0]]['text']
    qi=tok.encode(q['question'].strip(),add_special_tokens=False).ids[:48]
    pe=tok.encode(text,add_special_tokens=False); pw=pe.ids[:384-len(qi)-3]; ow=pe.offsets[:len(pw)]
    ids=[CLS]+qi+[SEP]+pw+[SEP]; types=[0]*(len(qi)+2)+[1]*(len(pw)+1)
    h3,h5=forward(ids,types); base=len(qi)+2; n=len(pw)
    r=dict(id=q['id'],pid=q['passage_ids'][0],q=qi,pids=pw,offs=ow,h3=h3[base:base+n],h5=h5[base:base+n],qh5=h5[1:1+len(qi)])
    X=T.build([r])[0]
    y=np.maximum(X@Wt['w0']+Wt['b0'],0)@Wt['w1']+Wt['b1']
    sc,i,j=decode(y,X[:,1152:1172])
    out.append(dict(question=q['question'],passage=text,start_logits=[round(float(v),4) for v in y[:,0]],end_logits=[round(float(v),4) for v in y[:,1]],
        best=text[ow[i][0]:ow[j][1]],best_score=round(float(sc),4),gold=q['answers']))
    print(q['question'],'->',out[-1]['best'],'| gold',q['answers'])
json.dump(dict(note='Span reader reference: numpy forward of all-MiniLM-L6-v2 and the trained head (scripts/train-reader), per passage token logits for whole passages that fit one window',items=out),open('Tests/Fixtures/reader-reference.json','w'),indent=0)
