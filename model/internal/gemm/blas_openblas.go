//go:build (linux || darwin || freebsd) && (amd64 || arm64)

package gemm

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
	"golang.org/x/sys/cpu"
)

// openblasSonames are tried in order when INCEPTIONLAB_OPENBLAS is empty.
var openblasSonames = []string{"libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"}

// loadOpenBLAS opens libopenblas and binds its Fortran GEMM entry points (sgemm_, dgemm_). They take
// every argument by pointer, so they are called through purego.SyscallN without cgo and without the
// float-register arguments of cblas_sgemm. The argument block lives on the Go heap (which does not
// move), is recycled through a pool and kept alive across the call.
func loadOpenBLAS(path string) (*blasBackend, error) {
	names := openblasSonames
	if path != "" {
		names = []string{path}
	}
	coreTypeHint()
	// One thread per call (set again below, through the API), and no thread pool at all: OpenBLAS
	// starts its pool when loaded, and the idle pool threads were measured spinning in sched_yield at
	// ~10% of the CPU while the pure-Go kernel did the work (auto on an AVX-512 CPU loads OpenBLAS only
	// to ask for its core name). The variable is read by the library's constructor.
	os.Setenv("OPENBLAS_NUM_THREADS", "1")
	var lib uintptr
	var errs []string
	for _, name := range names {
		h, err := purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_LOCAL)
		if err == nil {
			lib = h
			break
		}
		errs = append(errs, err.Error())
	}
	if lib == 0 {
		return nil, errors.New(strings.Join(errs, "; "))
	}
	sym := func(name string) (uintptr, error) {
		p, err := purego.Dlsym(lib, name)
		if err != nil || p == 0 {
			return 0, fmt.Errorf("symbol %s not found in OpenBLAS: %v", name, err)
		}
		return p, nil
	}
	sg, err := sym("sgemm_")
	if err != nil {
		return nil, err
	}
	dg, err := sym("dgemm_")
	if err != nil {
		return nil, err
	}
	threads, err := sym("openblas_set_num_threads")
	if err != nil {
		return nil, err
	}
	var setThreads func(int32)
	purego.RegisterFunc(&setThreads, threads)
	setThreads(1)
	name := "OpenBLAS (run-time loaded, 1 thread per call)"
	if cfg, err := sym("openblas_get_config"); err == nil {
		var config func() string
		purego.RegisterFunc(&config, cfg)
		if s := strings.TrimSpace(config()); s != "" {
			if !strings.HasPrefix(s, "OpenBLAS") {
				s = "OpenBLAS " + s
			}
			name = s + " (run-time loaded, 1 thread per call)"
		}
	}
	var core string
	if cn, err := sym("openblas_get_corename"); err == nil {
		var corename func() string
		purego.RegisterFunc(&corename, cn)
		core = strings.TrimSpace(corename())
	}
	return &blasBackend{
		name: name,
		core: core,
		sgemm: func(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
			fortranGemm(sg, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		},
		dgemm: func(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
			fortranGemm(dg, tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		},
	}, nil
}

// fortranGemm calls the Fortran GEMM fn (sgemm_ for float32, dgemm_ for float64) on row-major operands,
// after the checks gonum makes; k == 0 or alpha == 0 only scales C, without a call.
func fortranGemm[T opFloat](fn uintptr, tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	checkGemm(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if k == 0 || alpha == 0 {
		scaleRows(m, n, beta, c, ldc)
		return
	}
	p := fortranArgs.Get().(*gemmArgs)
	p.set(tA, tB, m, n, k, lda, ldb, ldc)
	al, be := p.scalars(float64(alpha), float64(beta), unsafe.Sizeof(alpha) == 4)
	p.call(fn, al, be, unsafe.Pointer(&a[0]), unsafe.Pointer(&b[0]), unsafe.Pointer(&c[0]))
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	runtime.KeepAlive(c)
	fortranArgs.Put(p)
}

// gemmArgs is the by-reference argument block of one Fortran GEMM call. Row-major C = op(A) op(B) is
// column-major C^T = op(B)^T op(A)^T, so the operands are passed swapped.
type gemmArgs struct {
	ta, tb        byte
	m, n, k       int32
	lda, ldb, ldc int32
	s             [2]float32
	d             [2]float64
}

var fortranArgs = sync.Pool{New: func() any { return new(gemmArgs) }}

// scalars stores alpha and beta (exact in float64 for either precision) as float32 when single is true,
// else as float64, and returns pointers to them.
func (p *gemmArgs) scalars(alpha, beta float64, single bool) (unsafe.Pointer, unsafe.Pointer) {
	if single {
		p.s = [2]float32{float32(alpha), float32(beta)}
		return unsafe.Pointer(&p.s[0]), unsafe.Pointer(&p.s[1])
	}
	p.d = [2]float64{alpha, beta}
	return unsafe.Pointer(&p.d[0]), unsafe.Pointer(&p.d[1])
}

func (p *gemmArgs) set(tA, tB bool, m, n, k, lda, ldb, ldc int) {
	p.ta, p.tb = 'N', 'N'
	if tA {
		p.ta = 'T'
	}
	if tB {
		p.tb = 'T'
	}
	p.m, p.n, p.k = int32(m), int32(n), int32(k)
	p.lda, p.ldb, p.ldc = int32(lda), int32(ldb), int32(ldc)
}

// call invokes fn(transB, transA, n, m, k, alpha, B, ldb, A, lda, beta, C, ldc) in Fortran order.
func (p *gemmArgs) call(fn uintptr, alpha, beta, a, b, c unsafe.Pointer) {
	purego.SyscallN(fn,
		uintptr(unsafe.Pointer(&p.tb)), uintptr(unsafe.Pointer(&p.ta)),
		uintptr(unsafe.Pointer(&p.n)), uintptr(unsafe.Pointer(&p.m)), uintptr(unsafe.Pointer(&p.k)),
		uintptr(alpha), uintptr(b), uintptr(unsafe.Pointer(&p.ldb)), uintptr(a), uintptr(unsafe.Pointer(&p.lda)),
		uintptr(beta), uintptr(c), uintptr(unsafe.Pointer(&p.ldc)))
	runtime.KeepAlive(p)
}

// coreTypeHint picks OpenBLAS's AVX-512 (SkylakeX) kernels on CPUs that have AVX-512 but that OpenBLAS
// 0.3.21's run-time dispatch does not recognise (e.g. AMD Zen 4/5, which it runs with its AVX2 Haswell
// kernels: measured 1.7x slower for the convolution GEMMs). It is opt-in, with
// INCEPTIONLAB_OPENBLAS_AVX512=1: older OpenBLAS builds are known to compute wrong results or crash on
// some of these processors, which is why some machines pin OPENBLAS_CORETYPE, so the library's own choice
// stays the default. A user's own OPENBLAS_CORETYPE always wins. The variable must be set before the
// library is loaded, since OpenBLAS reads it in its constructor.
func coreTypeHint() {
	if os.Getenv("INCEPTIONLAB_OPENBLAS_AVX512") != "1" {
		return
	}
	if _, set := os.LookupEnv("OPENBLAS_CORETYPE"); set {
		return
	}
	if x := cpu.X86; x.HasAVX512F && x.HasAVX512BW && x.HasAVX512DQ && x.HasAVX512VL {
		os.Setenv("OPENBLAS_CORETYPE", "SkylakeX")
	}
}
