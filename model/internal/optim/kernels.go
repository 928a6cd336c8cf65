package optim

// SGDStep applies one step of stochastic gradient descent with momentum in PyTorch's form
// (torch.optim.SGD with dampening 0) to the parameters w, with gradients g and momentum buffer buf
// (all the same length):
//
//	d = g + wd*w
//	buf = mu*buf + d                  (skipped when mu is 0)
//	d = d + mu*buf  (nesterov)  or  d = buf  (otherwise)
//	w -= lr*d
//
// A zero buffer makes the first step's buffer equal d, as PyTorch's does. Every operation rounds to
// float32 on its own.
func SGDStep(w, g, buf []float32, lr, mu, wd float32, nesterov bool) {
	g = g[:len(w)]
	if mu == 0 {
		for j := range w {
			d := g[j]
			if wd != 0 {
				d += float32(wd * w[j])
			}
			w[j] -= float32(lr * d)
		}
		return
	}
	buf = buf[:len(w)]
	for j := range w {
		d := g[j]
		if wd != 0 {
			d += float32(wd * w[j])
		}
		b := float32(mu*buf[j]) + d
		buf[j] = b
		if nesterov {
			d += float32(mu * b)
		} else {
			d = b
		}
		w[j] -= float32(lr * d)
	}
}

// DecayStep is AdamW's decoupled weight decay, w *= 1 - lr*wd (PyTorch's order: applied to the
// weights before the Adam update of the same step). keep is 1 - lr*wd, computed by the caller.
func DecayStep(w []float32, keep float32) {
	for j := range w {
		w[j] = float32(w[j] * keep)
	}
}

// EMAStep moves the running average avg towards w: avg = decay*avg + (1-decay)*w, in the form
// avg -= (1-decay)*(avg - w) that TensorFlow's ExponentialMovingAverage uses.
func EMAStep(avg, w []float32, decay float32) {
	c := 1 - decay
	w = w[:len(avg)]
	for j := range avg {
		avg[j] -= float32(c * float32(avg[j]-w[j]))
	}
}

// EMADecay is the decay of update number t (1 for the first update) for a configured decay d:
// min(d, (1+t)/(10+t)), TensorFlow's ExponentialMovingAverage with num_updates, so the average
// is not dominated by the random initial weights early in training.
func EMADecay(d float64, t int64) float64 {
	return min(d, (1+float64(t))/(10+float64(t)))
}
