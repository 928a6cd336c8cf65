package model

import "inceptionlab/model/internal/optim"

// Schedule gives the learning rate of every optimizer step (constant, step decay, cosine, one-cycle,
// each with optional linear warm-up); see its fields and At. The runner builds one per trial.
type Schedule = optim.Schedule

// Schedule kinds.
const (
	ScheduleConstant = optim.Constant
	ScheduleStep     = optim.StepDecay
	ScheduleCosine   = optim.Cosine
	ScheduleOneCycle = optim.OneCycle
)
