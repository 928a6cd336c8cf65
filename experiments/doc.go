// Package experiments is inceptionlab's typed configuration layer: it loads an experiment
// described by a YAML file, applies command-line overrides, validates everything once and
// expands parameter sweeps into trials.
//
// # Loading
//
// [Load] reads a YAML file with viper, applies "key=value" overrides (the -set flag of the
// commands), decodes the result into [Experiment] and calls [Experiment.Validate]. The file is
// checked strictly: every key must be part of the schema below, every value must have the right
// YAML type (train.lr: "fast" or model.inception.blocks: 5 are errors, never silent zero values)
// and a key written without a value (null) is an error. Keys are case-insensitive (viper
// lower-cases them); error messages use the lower-case form. Dotted keys such as
// "model.aux.weight: 0.5" are only allowed inside sweep.grid and sweep.variants; everywhere else
// sections are nested mappings.
//
// # Keys
//
// The dotted key paths are a public contract shared with tests, docs and other tools:
//
//	name                        required; [A-Za-z0-9_.-]+, becomes a folder name
//	seed                        int64, default 1
//	data.source                 embedded (default) | fashion-mnist | folder
//	data.path                   required for folder; default /usr/share/datasets/fashion-mnist for
//	                            fashion-mnist; must be empty for embedded
//	data.image_size             >= 32; default 224 when data.source is folder, 32 otherwise
//	data.channels               1 or 3, default 3
//	data.resize                 how images are brought to image_size: antialias (default: shrinking
//	                            averages every source pixel with a widened bilinear filter, as
//	                            PIL's resize does; enlarging is plain bilinear) | bilinear (two
//	                            nearest pixels per direction, no antialiasing) | nearest (Keras'
//	                            flow_from_directory default); Fashion-MNIST's 28 -> 32 is the same
//	                            in antialias and bilinear
//	data.split.val              validation fraction of the training data, in [0,1), default 0.1;
//	                            0 trains on all of it (the usual protocol for a final test figure):
//	                            nothing is validated, the best checkpoint is the last epoch's
//	                            weights (the average, with train.ema), and early stopping is an error
//	data.augment.hflip          random horizontal flips, default false
//	data.augment.crop_pad       random crops: pad every side with this many black pixels, then
//	                            cut an image_size window at a random offset; 0 (default) = off,
//	                            at most image_size/2; 4 is the usual recipe at 28-32 px
//	data.augment.erase          random erasing (Zhong et al. 2017): the probability, in [0, 1], that a
//	                            training image gets a rectangle of random bytes (2-40% of its area,
//	                            aspect 0.3-3.3) after flip and crop; 0 (default) = off, 0.5 is the
//	                            paper's Fashion-MNIST setting
//	data.normalize.mean/std     (x/255 - mean)/std in [0,1] units; one value or one per channel;
//	                            default mean [0.5], std [0.5]; std > 0
//	data.skip_bad               skip unreadable images instead of failing, default false
//	data.limit, data.test_limit max images per class from the train / test set, 0 = all
//	data.workers                decode parallelism, 0 = all cores
//	model.num_classes           0 (default) = take it from the data
//	model.width                 channel multiplier > 0, default 1.0
//	model.init                  glorot_uniform (default) | he_normal
//	model.dropout               in [0,1), default 0.4
//	model.inception.reduce      1x1 reductions before 3x3/5x5 (default true); false = naive module
//	model.inception.pool_proj   pool branch keeps its 1x1 projection (default true)
//	model.inception.blocks      the channel table, default the paper's (see [PaperBlocks])
//	model.aux.enabled           auxiliary classifiers as in the paper, default true
//	model.aux.weight            >= 0, default 0.3
//	model.aux.after             block names the heads follow, default [4a, 4d]; checked
//	                            against the channel table when model.aux.enabled is true
//	model.aux.dropout           in [0,1), default 0.5
//	train.optimizer             adam (default; Keras' form, epsilon 1e-7) | adamw (Adam with
//	                            decoupled weight decay) | sgd (PyTorch's SGD with momentum)
//	train.lr                    > 0, default 3e-4; the base rate the schedule scales (the peak
//	                            of onecycle)
//	train.momentum              sgd: in [0,1), default 0.9 (ignored by adam and adamw)
//	train.nesterov              sgd: Nesterov momentum, default false; needs momentum > 0
//	train.weight_decay          >= 0, default 0: sgd adds wd*w to the gradient (L2), adamw
//	                            shrinks w by lr*wd before each update; an error with adam
//	train.label_smoothing       in [0,1), default 0: training targets (1-eps)*onehot + eps/K for
//	                            every head (validation and test losses stay plain cross-entropy)
//	train.schedule.type         constant (default) | step | cosine | onecycle; steps are counted
//	                            from 0 over the whole run, s = epoch*batches + batch:
//	                            step: lr * factor^floor(epoch/every) (epochs from 0);
//	                            cosine: min_lr + (lr-min_lr)*(1+cos(pi*t/T))/2 over the steps
//	                            after warm-up; onecycle: torch.optim.lr_scheduler.OneCycleLR
//	                            (cosine up from lr/div_factor to lr over pct_start of the steps,
//	                            then down to lr/div_factor/final_div_factor)
//	train.schedule.every        step: epochs between decays, >= 1, default 8 (the paper)
//	train.schedule.factor       step: multiplier per decay in (0,1], default 0.96 (the paper's 4%)
//	train.schedule.warmup_epochs linear warm-up over this many epochs (may be fractional; the rate
//	                            of step s < W steps is multiplied by (s+1)/W), default 0; with
//	                            constant, step and cosine; in [0, train.epochs]
//	train.schedule.min_lr       cosine: the final rate, in [0, train.lr), default 0
//	train.schedule.pct_start    onecycle: fraction of the steps rising, in (0,1), default 0.3
//	train.schedule.div_factor   onecycle: >= 1, default 25
//	train.schedule.final_div_factor onecycle: >= 1, default 1e4
//	train.ema.decay             in [0,1), default 0 = off: keep an exponential moving average
//	                            (Polyak averaging) of the weights, avg -= (1-d_t)*(avg - w) after
//	                            every step with d_t = min(decay, (1+t)/(10+t)) (TensorFlow's
//	                            ExponentialMovingAverage with num_updates); the average is
//	                            validated every epoch beside the raw weights, chooses the best
//	                            checkpoint and early stopping, and is what best.safetensors holds
//	train.batch_size            > 0, default 32
//	train.epochs                > 0, default 10
//	train.early_stop.patience   epochs without a lower validation loss before stopping, 0 (default) = off
//	train.threads               0 (default) = all cores; with the built-in matrix multiply the numbers
//	                            do not depend on it (runs record derived.thread_independent)
//	test.tta                    none (default) | hflip | crops: test-time augmentation of the final
//	                            test evaluation of the best checkpoint (per-epoch validation is
//	                            always single-view): each test image is classified in several
//	                            views and the softmax probabilities are averaged; hflip adds the
//	                            mirror image, crops the image and its mirror each shifted by
//	                            data.augment.crop_pad pixels towards the four corners (10 views,
//	                            the small-image form of the paper's multi-crop testing; needs
//	                            crop_pad > 0). predict -split test -tta measures a finished run
//	sweep.grid                  key path -> list of values (cartesian product, file order)
//	sweep.variants              list of named override sets
//	sweep.seeds                 1..100: repeat every trial with that many seeds (see Sweeps)
//
// A block of the channel table is a mapping {name, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5,
// pool_proj} or, more compactly, a list [name, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj].
// Block names start with their stage number (3a, 4e), are unique, and stages never decrease.
//
// # Overrides
//
// An override is "path=value". The path is a dotted key path; list elements are addressed with
// [i] (model.inception.blocks[2].ch3x3=100). The value is parsed as YAML, so scalars, flow lists
// ([4a, 4d]) and flow mappings ({mean: [0.4], std: [0.2]}) work; an empty value, or text that
// is not YAML, is a string, and for string keys the text is taken as written (name=123 is the
// string "123").
// Overriding a mapping merges into it; overriding a list or scalar replaces it. sweep.grid.PATH
// sets one grid axis; sweep, sweep.grid and sweep.variants replace the whole section.
//
// # Sweeps
//
// [Experiment.Trials] expands variants x grid: for each variant in file order (or one unnamed
// variant when there are none), every grid combination in file order with the last axis varying
// fastest. Trial names join the variant name and "short=value" pairs with commas, for example
// "no_reduction,lr=0.001"; the short name of a grid key is its last path component, except that
// "enabled" is replaced by its parent (model.aux.enabled -> aux), and keys whose short names
// collide use the full path. Without a sweep there is a single trial named "default". Each trial
// carries its fully resolved, validated config, its canonical YAML (keys sorted, stable across
// runs and machines) and its identity, the hex SHA-256 (all 64 hex digits) of that YAML less the
// neutral later keys (see Trial identity). The canonical YAML holds every key including name and
// seed, so equal settings under two experiment names hash differently; it never holds the file
// path, the overrides or the sweep. A sweep whose values do not fit their keys, that sets one key
// twice, or whose trials resolve to the same config (the same identity: they train alike) is
// rejected by Load.
//
// # Trial identity
//
// [Experiment.Hash] is what names a trial across runs and releases: the runner skips a trial whose
// hash has a FINISHED run in the database and resumes one whose hash has an unfinished run, the
// trial folder is OUT/<experiment>/<trial>-<first 8 hex digits>, and checkpoints record the hash
// and are refused for another. So the hash must not move when an upgrade adds a key whose default
// trains exactly as before, or every finished trial of an existing database would be trained again.
//
// The rule: Hash hashes the canonical YAML without every key introduced after v1 (commit cb83301)
// whose value is its neutral one, the value that trains exactly as v1 did, and without mappings
// left empty by that. For a config v1 could express this text is v1's canonical YAML byte for byte,
// so the hash is v1's (experiments/testdata/v1/hashes.tsv, recorded by running v1, pins it for every
// config v1 shipped); any other value of a later key is part of the text and changes the hash. The
// neutral values, frozen, are:
//
//	data.augment.crop_pad            0
//	data.augment.erase               0
//	data.resize                      bilinear; antialias when it never shrinks: the embedded and
//	                                 fashion-mnist sources (28x28) at data.image_size >= 28
//	train.momentum                   0.9
//	train.nesterov                   false
//	train.weight_decay               0
//	train.label_smoothing            0
//	train.schedule.type              constant
//	train.schedule.every             8
//	train.schedule.factor            0.96
//	train.schedule.warmup_epochs     0
//	train.schedule.min_lr            0
//	train.schedule.pct_start         0.3
//	train.schedule.div_factor        25
//	train.schedule.final_div_factor  1e4
//	train.ema.decay                  0
//	test.tta                         none
//
// data.resize is the one later key whose default is not neutral everywhere: v1 shrank a folder's
// photos with plain bilinear, today's default antialias filters them, so a folder trial of v1
// (configs/flowers.yaml) is a different trial under the default and is trained again; set
// data.resize: bilinear to keep v1's. The neutral values describe v1, not today's defaults: a later
// change of a default must not change them. A key added in the future gets an entry with its
// behaviour-preserving value (a test fails until it has one). Resolved is unaffected and still lists
// every key.
//
// sweep.seeds: N repeats every trial of variants x grid N times with derived seeds: replicate k
// (0-based) sets seed to the config's seed + k ([SeedOf]), so replicate 0 is the trial the config
// describes without sweep.seeds, and the seeds never depend on the other swept values (every
// variant sees the same N seeds, which makes replicates comparable across variants). Each replicate
// is a trial of its own, named after the trial with ",seed=S" appended ("reduce=true,aux=false,seed=2";
// "seed=1" when there is nothing else). Reports group replicates by their config without the seed.
// sweep.seeds may not be combined with a grid axis or a variant that sets seed.
//
// # Errors
//
// Every problem is an [*Error] naming the file (or the override), the key path, the bad value
// and what is allowed, for example
//
//	experiments: configs/x.yaml: model.inception.blocks[2].ch3x3: must be > 0, got -4
//	experiments: configs/x.yaml: unknown key "model.inception.reduc" (valid keys under model.inception: blocks, pool_proj, reduce)
//	experiments: -set model.aux.weight=abc: model.aux.weight: want a number, got "abc"
//
// When several problems are found they are returned together as [Errors]. Use errors.Is with
// [ErrUnknownKey], [ErrType], [ErrValue] or [ErrSyntax] to classify them; a missing file wraps
// the fs error (errors.Is(err, fs.ErrNotExist)).
package experiments
