import os; OUT=os.environ.get('READER_OUT','.build-reader'); import sys, pickle, numpy as np, time, json, re, string, collections
sys.path.insert(0,os.path.dirname(os.path.abspath(__file__))); from train import *
def norm(s):
    s=s.lower(); s=''.join(ch for ch in s if ch not in set(string.punctuation)); s=re.sub(r'\b(a|an|the)\b',' ',s); return ' '.join(s.split())
def f1(p,g):
    p=norm(p).split(); g=norm(g).split(); c=collections.Counter(p)&collections.Counter(g); n=sum(c.values())
    if n==0: return 0.0
    pr=n/len(p); rc=n/len(g); return 2*pr*rc/(pr+rc)
class MLP:
    def __init__(s,d,h,seed=0):
        r=np.random.RandomState(seed); s.p=[r.randn(d,h).astype(np.float32)*np.sqrt(2/d), np.zeros(h,np.float32), r.randn(h,2).astype(np.float32)*np.sqrt(1/h), np.zeros(2,np.float32)]
        s.m=[np.zeros_like(x) for x in s.p]; s.v=[np.zeros_like(x) for x in s.p]; s.t=0
    def fwd(s,X,drop=0.0):
        if drop>0: X=X*(np.random.rand(*X.shape)>drop)/(1-drop)
        z=X@s.p[0]+s.p[1]; a=np.maximum(z,0)
        m=None
        if drop>0: m=(np.random.rand(*a.shape)>drop)/(1-drop); a=a*m
        return a@s.p[2]+s.p[3], (X,z,a,m)
    def bwd(s,dy,cache):
        X,z,a,m=cache; g2=a.T@dy; b2=dy.sum(0); da=dy@s.p[2].T
        if m is not None: da=da*m
        da[z<=0]=0; g0=X.T@da; b0=da.sum(0); return [g0,b0,g2,b2]
    def step(s,g,lr=1e-3,wd=1e-4):
        s.t+=1
        for i in range(4):
            g[i]=g[i]+wd*s.p[i]
            s.m[i]=0.9*s.m[i]+0.1*g[i]; s.v[i]=0.999*s.v[i]+0.001*g[i]**2
            mh=s.m[i]/(1-0.9**s.t); vh=s.v[i]/(1-0.999**s.t); s.p[i]-=lr*mh/(np.sqrt(vh)+1e-8)
def decode(y,F,maxlen=25):
    st=y[:,0].copy(); en=y[:,1].copy(); st[F[:,2]==0]=-1e9; en[F[:,3]==0]=-1e9
    best=(-1e18,0,0); n=len(st)
    for i in range(n):
        if st[i]<-1e8: continue
        j=i+np.argmax(en[i:i+maxlen]); sc=st[i]+en[j]
        if sc>best[0]: best=(sc,i,j)
    return best
def evaluate(model,recs,X,mu,sd):
    em=f=0
    for r,x in zip(recs,X):
        y,_=model.fwd((x-mu)/sd); sc,i,j=decode(y,x[:,1152:1172])
        text=P[r['pid']]['text']; pred=text[r['offs'][i][0]:r['offs'][j][1]]
        golds=QA[r['id']]['answers']
        em+=max(norm(pred)==norm(g) for g in golds); f+=max(f1(pred,g) for g in golds)
    return 100*em/len(recs),100*f/len(recs)
if __name__=='__main__':
    np.random.seed(0)
    recs=[r for f in sys.argv[1].split(',') for r in pickle.load(open(f,'rb'))]
    recs=[r for r in recs if r['s']>=0 and r['e']>=r['s']]
    art=lambda r:int(r['pid'][1:3])
    cut=int(sys.argv[5]) if len(sys.argv)>5 else 20
    tr=[r for r in recs if art(r)<cut]; va=[r for r in recs if art(r)>=cut] or [r for r in recs if art(r)>=20][:200]
    print(len(tr),len(va)); t=time.time()
    Xtr=build(tr); Xva=build(va); print('features',time.time()-t, Xtr[0].shape)
    allx=np.concatenate(Xtr); mu=allx.mean(0); sd=allx.std(0)+1e-3; del allx
    DROP=float(sys.argv[4]) if len(sys.argv)>4 else 0.0
    H=int(sys.argv[2]) if len(sys.argv)>2 else 256
    model=MLP(Xtr[0].shape[1],H)
    rng=np.random.RandomState(0); B=32
    for ep in range(int(sys.argv[3]) if len(sys.argv)>3 else 4):
        order=rng.permutation(len(tr)); tl=0
        for b in range(0,len(order),B):
            idx=order[b:b+B]; xs=[(Xtr[i]-mu)/sd for i in idx]; lens=[len(x) for x in xs]
            X=np.concatenate(xs); y,cache=model.fwd(X,DROP); dy=np.zeros_like(y); o=0
            for k,i in enumerate(idx):
                n=lens[k]
                for c,tgt in ((0,tr[i]['s']),(1,tr[i]['e'])):
                    z=y[o:o+n,c]; z=z-z.max(); p=np.exp(z); p/=p.sum(); tl-=np.log(p[tgt]+1e-12)
                    p[tgt]-=1; dy[o:o+n,c]=p/len(idx)
                o+=n
            model.step(model.bwd(dy,cache))
        print('epoch',ep,'loss',tl/len(tr),'val EM/F1',evaluate(model,va,Xva,mu,sd),'train',evaluate(model,tr[:300],Xtr[:300],mu,sd),time.time()-t,flush=True)
    pickle.dump((model.p,mu,sd),open(''+OUT+'/model_%d.pkl'%H,'wb'))
    from safetensors.numpy import save_file
    w0=model.p[0]/sd[:,None]; b0=model.p[1]-(mu/sd)@model.p[0]
    save_file({'w0':w0.astype(np.float32),'b0':b0.astype(np.float32),'w1':model.p[2].astype(np.float32),'b1':model.p[3].astype(np.float32)},
      ''+OUT+'/span-reader.safetensors',metadata={'features':'minilm-l3-l5-v1','layers':'3,5','max_sequence':'384','max_question_tokens':'48','max_span_tokens':'25','trained_on':'SQuAD v1.1 dev articles 0-%d (%d questions), gold passages'%(cut-1,len(tr)),'epochs':sys.argv[3],'hidden':str(H),'dropout':str(DROP)})
