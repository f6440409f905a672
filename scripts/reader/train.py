import os; OUT=os.environ.get('READER_OUT','.build-reader'); import sys, json, pickle, numpy as np, time, re, string, collections
D=os.environ.get('QA_DEV','../shared/eval/qa-dev')+'/squad-v1.1-dev/'
P={j['_id']:j for j in map(json.loads,open(D+'passages.jsonl'))}
QA={j['id']:j for j in map(json.loads,open(D+'qa.jsonl'))}
sys.path.insert(0,os.path.dirname(os.path.abspath(__file__))); from feat import tok
vocab=tok.get_vocab(); inv={v:k for k,v in vocab.items()}
STOP=set("a an the of in on at to for and or is are was were be been by with from as that this which what who whom whose when where why how did do does it its his her their he she they than then there these those into during over under about after before also can could would should may might not no".split())
WH=['what','which','who','whom','whose','when','where','why','how many','how much','how long','how','what year','other']
def wh(q):
    ql=q.lower(); v=np.zeros(len(WH),np.float32)
    for w in ['how many','how much','how long','what year','whom','whose','which','who','when','where','why','how','what']:
        if re.search(r'\b'+w+r'\b',ql): v[WH.index(w)]=1; return v
    v[-1]=1; return v
def words_of(ids):
    # group wordpieces into words: returns word index per token, and word strings
    wid=[]; ws=[]; 
    for i,t in enumerate(ids):
        s=inv[t]
        if s.startswith('##') and ws: ws[-1]+=s[2:]
        else: ws.append(s)
        wid.append(len(ws)-1)
    return wid,ws
def flags(r):
    text=P[r['pid']]['text']; ids=r['pids']; offs=r['offs']; n=len(ids)
    wid,ws=words_of(ids); qw=set(words_of(r['q'])[1]); qc=set(w for w in qw if w not in STOP and w not in string.punctuation)
    qstem=set(w[:5] for w in qc)
    em=np.array([1.0 if ws[wid[i]] in qc else 0.0 for i in range(n)],np.float32)
    es=np.array([1.0 if ws[wid[i]][:5] in qstem and ws[wid[i]] not in STOP else 0.0 for i in range(n)],np.float32)
    F=np.zeros((n,20),np.float32)
    F[:,0]=em; F[:,1]=es
    for i in range(n):
        s=inv[ids[i]]
        F[i,2]=0 if s.startswith('##') else 1
        F[i,3]=1 if i+1==n or not inv[ids[i+1]].startswith('##') else 0
        ch=text[offs[i][0]] if offs[i][0]<len(text) else ' '
        F[i,4]=ch.isupper(); F[i,5]=ch.isdigit(); F[i,6]=(s in string.punctuation)
        F[i,7]=ws[wid[i]] in STOP
    # window question-word density
    for k,(a,b) in enumerate([(1,3),(4,10),(11,20)]):
        for i in range(n):
            l=em[max(0,i-b):max(0,i-a+1)].sum(); rr=em[i+a:i+b+1].sum()
            F[i,8+2*k]=l/ (b-a+1); F[i,9+2*k]=rr/(b-a+1)
    F[:,14]=np.arange(n)/400.0
    # sentence-level: em density within the same sentence
    sent=np.zeros(n,int); sid=0
    for i in range(n):
        sent[i]=sid
        if inv[ids[i]] in ('.','?','!'): sid+=1
    for s_ in range(sid+1):
        m=sent==s_; F[m,15]=em[m].sum()/max(1,len(qc)); F[m,16]=es[m].sum()/max(1,len(qc))
    return F
def build(recs):
    X=[]; 
    for r in recs:
        q=QA[r['id']]['question']
        h5=r['h5'].astype(np.float32); h3=r['h3'].astype(np.float32); qb=r['qh5'].astype(np.float32).mean(0)
        F=flags(r); W=np.repeat(wh(q)[None],len(h5),0)
        qh=r['qh5'].astype(np.float32); qn=qh/np.linalg.norm(qh,axis=1,keepdims=True); hn=h5/np.linalg.norm(h5,axis=1,keepdims=True)
        sim=hn@qn.T; S=np.stack([sim.max(1), sim.mean(1), hn@(qb/np.linalg.norm(qb))],1)
        Nb=np.zeros((len(h5),12),np.float32); Nb[1:,0:6]=F[:-1,[0,4,5,6,7,1]]; Nb[:-1,6:12]=F[1:,[0,4,5,6,7,1]]
        X.append(np.concatenate([h5,h3,h5*qb,F,W,S,Nb],1).astype(np.float32))
    return X
