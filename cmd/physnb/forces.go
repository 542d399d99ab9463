package main

// Commands of the deep-learning-fundamentals lesson: Lennard-Jones dimers,
// energy+force training through SOAP or Sine-matrix descriptors, and the
// descriptors themselves for users' own structures (DScribe's feature order and
// normalisation, so numbers can be compared with DScribe's directly).

import (
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/gomlx/compute"
	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/bench"
	"github.com/physnb/physnb/lib/descriptors"
	"github.com/physnb/physnb/lib/descriptors/sine"
	"github.com/physnb/physnb/lib/descriptors/soap"
	"github.com/physnb/physnb/lib/forcefield"
	"github.com/physnb/physnb/lib/potentials/lj"
)

func init() {
	register(command{name: "forces", summary: "learn LJ energies and forces of H2 from SOAP/Sine descriptors (lj, train, seeds)", run: runForces})
	register(command{name: "descriptors", summary: "SOAP or Sine matrix (with derivatives) of your own structure, in DScribe's layout", run: runDescriptors})
	bench.Register(bench.Workload{
		Name:        "forces-train-epoch",
		Description: "epochs of the lesson's energy+force training (SOAP 6-5-1, 12 Adam steps of batch 2 with a gradient inside the loss)",
		Unit:        "epochs/s",
		Run:         benchForcesEpoch,
	})
}

func runForces(args []string) error {
	sub, rest, err := splitSub("forces", args, "lj", "train", "seeds")
	if err != nil {
		return err
	}
	switch sub {
	case "lj":
		return forcesLJ(rest)
	case "train":
		return forcesTrain(rest, false)
	default:
		return forcesTrain(rest, true)
	}
}

func parseFloats(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// parseVectors reads "x,y,z;x,y,z;...".
func parseVectors(s string) ([][3]float64, error) {
	var out [][3]float64
	for _, p := range strings.Split(s, ";") {
		if strings.TrimSpace(p) == "" {
			continue
		}
		v, err := parseFloats(p)
		if err != nil {
			return nil, err
		}
		if len(v) != 3 {
			return nil, fmt.Errorf("%q: a position needs 3 coordinates x,y,z", p)
		}
		out = append(out, [3]float64{v[0], v[1], v[2]})
	}
	return out, nil
}

func forcesLJ(args []string) error {
	fs := flag.NewFlagSet("forces lj", flag.ContinueOnError)
	dists := fs.String("distances", "2.5,3.0,5.0", "comma-separated H-H distances (Å)")
	eps := fs.Float64("epsilon", 1.0, "well depth ε (eV)")
	sigma := fs.Float64("sigma", 2.9, "σ (Å)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ds, err := parseFloats(*dists)
	if err != nil {
		return err
	}
	calc, err := lj.New(*eps, *sigma).Done()
	if err != nil {
		return err
	}
	type row struct {
		Distance float64      `json:"distance"`
		Energy   float64      `json:"energy"`
		Forces   [][3]float64 `json:"forces"`
	}
	var rows []row
	for _, d := range ds {
		r, err := calc.Compute(lj.Dimer(d))
		if err != nil {
			return err
		}
		rows = append(rows, row{d, r.Energy, r.Forces})
	}
	if *asJSON {
		return printJSON(map[string]any{"epsilon": *eps, "sigma": *sigma, "cutoff": calc.Rc, "dimers": rows})
	}
	fmt.Printf("Lennard-Jones H2 (ε=%g eV, σ=%g Å, cut-off %g Å with ASE's energy shift)\n", *eps, *sigma, calc.Rc)
	fmt.Printf("%10s %14s %14s\n", "d (Å)", "E (eV)", "F_x,0 (eV/Å)")
	for _, r := range rows {
		fmt.Printf("%10.4f %14.6f %14.6f\n", r.Distance, r.Energy, r.Forces[0][0])
	}
	return nil
}

// lessonDataset builds the lesson's 200 dimers with the chosen descriptor.
func lessonDataset(descriptor string, box float64) (*forcefield.Dataset, error) {
	calc := lj.MustNew(lj.New(1, 2.9))
	var desc forcefield.Descriptor
	switch descriptor {
	case "soap":
		s, err := soap.New("H").RCut(5).Sigma(0.5).NMax(3).LMax(0).Done()
		if err != nil {
			return nil, err
		}
		desc = forcefield.SOAPAt(s, [3]float64{})
	case "sine":
		m, err := sine.New(2).CubicCell(box).Done()
		if err != nil {
			return nil, err
		}
		desc = forcefield.SineMatrix(m)
	default:
		return nil, fmt.Errorf("--descriptor %q: use soap or sine", descriptor)
	}
	return forcefield.Dimers(forcefield.Linspace(2.5, 5, 200), calc, desc)
}

type trainReport struct {
	Descriptor  string  `json:"descriptor"`
	Recipe      string  `json:"recipe"`
	Seed        uint64  `json:"seed"`
	EnergyMAE   float64 `json:"energy_mae"`
	ForceMAE    float64 `json:"force_mae"`
	ForceMAEAll float64 `json:"force_mae_all"`
	Epochs      int     `json:"epochs"`
	TotalEpochs int     `json:"total_epochs"`
	BestEpoch   int     `json:"best_epoch"`
	EarlyStop   bool    `json:"early_stop"`
	StopReason  string  `json:"stop_reason"`
	Restart     int     `json:"restart"`
	Decays      int     `json:"lr_decays"`
	LongestRise int     `json:"longest_rise"` // most consecutive epochs not below the previous one (the lesson's rule counts these)
	Seconds     float64 `json:"seconds"`
	MeetsTarget bool    `json:"meets_target"`
}

// recipe returns the named training recipe with the epoch limit applied.
func recipe(name string, epochs int) (forcefield.Config, error) {
	var cfg forcefield.Config
	switch name {
	case "robust":
		cfg = forcefield.Robust()
	case "lesson":
		cfg = forcefield.Lesson()
	default:
		return cfg, fmt.Errorf("--recipe %q: use robust (the default) or lesson", name)
	}
	cfg.MaxEpochs = epochs
	return cfg, nil
}

// Targets of the issue (DScribe's example figures).
const (
	targetEnergyMAE = 0.028
	targetForceMAE  = 0.33
)

func forcesTrain(args []string, manySeeds bool) error {
	name := "forces train"
	if manySeeds {
		name = "forces seeds"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	descriptor := fs.String("descriptor", "soap", "soap or sine")
	recipeName := fs.String("recipe", "robust", "robust (restarts, lr decay, stop on no new best) or lesson (the lesson's recipe as written)")
	seed := fs.Uint64("seed", 7, "random seed (first seed for 'seeds')")
	nSeeds := fs.Int("n", 5, "number of seeds ('seeds' only)")
	epochs := fs.Int("epochs", 5000, "maximum epochs")
	box := fs.Float64("box", 20, "cubic box side (Å) for the Sine matrix")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := recipe(*recipeName, *epochs); err != nil {
		return err
	}
	ds, err := lessonDataset(*descriptor, *box)
	if err != nil {
		return err
	}
	b, err := backend.Default()
	if err != nil {
		return err
	}
	n := 1
	if manySeeds {
		n = *nSeeds
	}
	var reports []trainReport
	for i := 0; i < n; i++ {
		cfg, _ := recipe(*recipeName, *epochs)
		cfg.Seed = *seed + uint64(i)
		cfg.Progress = func(epoch int, tl, vl float64) {
			if epoch%500 == 0 {
				fmt.Fprintf(os.Stderr, "seed %d epoch %d: train loss %.3g, valid loss %.3g\n", cfg.Seed, epoch, tl, vl)
			}
		}
		res, err := forcefield.Train(b, ds, cfg)
		if err != nil {
			return err
		}
		m := res.Metrics
		reports = append(reports, trainReport{Descriptor: *descriptor, Recipe: *recipeName, Seed: cfg.Seed,
			EnergyMAE: m.EnergyMAE, ForceMAE: m.ForceMAE, ForceMAEAll: m.ForceMAEAll,
			Epochs: res.Epochs, TotalEpochs: res.TotalEpochs, BestEpoch: res.BestEpoch, EarlyStop: res.EarlyStop, StopReason: res.StopReason,
			Restart: res.Restart, Decays: len(res.Decays), LongestRise: forcefield.LongestRise(res.ValidLoss), Seconds: res.Seconds,
			MeetsTarget: m.EnergyMAE <= targetEnergyMAE && m.ForceMAE <= targetForceMAE})
	}
	if !manySeeds {
		r := reports[0]
		if *asJSON {
			return printJSON(r)
		}
		fmt.Printf("%s descriptor, %s recipe, seed %d: %d epochs (best %d; %s; %d in all with restarts) in %.1f s\n",
			r.Descriptor, r.Recipe, r.Seed, r.Epochs, r.BestEpoch, r.StopReason, r.TotalEpochs, r.Seconds)
		fmt.Printf("energy MAE %.4f eV (target <= %.3f), force MAE %.4f eV/Å (target <= %.2f) on 200 dimers\n", r.EnergyMAE, targetEnergyMAE, r.ForceMAE, targetForceMAE)
		return nil
	}
	stats := func(get func(trainReport) float64) map[string]float64 {
		lo, hi, mean := math.Inf(1), math.Inf(-1), 0.0
		for _, r := range reports {
			v := get(r)
			lo, hi, mean = math.Min(lo, v), math.Max(hi, v), mean+v/float64(len(reports))
		}
		var sd float64
		for _, r := range reports {
			sd += (get(r) - mean) * (get(r) - mean) / float64(len(reports))
		}
		return map[string]float64{"mean": mean, "std": math.Sqrt(sd), "min": lo, "max": hi}
	}
	meets := 0
	for _, r := range reports {
		if r.MeetsTarget {
			meets++
		}
	}
	eStats := stats(func(r trainReport) float64 { return r.EnergyMAE })
	fStats := stats(func(r trainReport) float64 { return r.ForceMAE })
	if *asJSON {
		return printJSON(map[string]any{"descriptor": *descriptor, "recipe": *recipeName, "runs": reports, "energy_mae": eStats, "force_mae": fStats, "runs_meeting_target": meets})
	}
	for _, r := range reports {
		fmt.Printf("seed %3d: energy MAE %.4f eV, force MAE %.4f eV/Å, %d epochs (%s), %.1f s\n", r.Seed, r.EnergyMAE, r.ForceMAE, r.Epochs, r.StopReason, r.Seconds)
	}
	fmt.Printf("energy MAE %.4f ± %.4f eV [%.4f, %.4f]; force MAE %.4f ± %.4f eV/Å [%.4f, %.4f]; %d/%d runs meet both targets\n",
		eStats["mean"], eStats["std"], eStats["min"], eStats["max"], fStats["mean"], fStats["std"], fStats["min"], fStats["max"], meets, len(reports))
	return nil
}

func runDescriptors(args []string) error {
	sub, rest, err := splitSub("descriptors", args, "soap", "sine")
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("descriptors "+sub, flag.ContinueOnError)
	positions := fs.String("positions", "", `atom positions "x,y,z;x,y,z;..." (Å)`)
	species := fs.String("species", "", "comma-separated species of the atoms, in order (default: all H)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	withDeriv := fs.Bool("derivatives", false, "also print derivatives")
	// SOAP
	centers := fs.String("centers", "", `SOAP centres "x,y,z;..." (default: every atom)`)
	rCut := fs.Float64("r-cut", 5, "SOAP cut-off (Å)")
	sigma := fs.Float64("sigma", 0.5, "SOAP Gaussian width (Å)")
	nMax := fs.Int("n-max", 3, "SOAP radial functions")
	lMax := fs.Int("l-max", 0, "SOAP maximum degree")
	// Sine
	cell := fs.String("cell", "", `Sine matrix lattice vectors "ax,ay,az;bx,by,bz;cx,cy,cz" (Å)`)
	nAtomsMax := fs.Int("n-atoms-max", 0, "Sine matrix size (default: the number of atoms)")
	if err := fs.Parse(rest); err != nil {
		return err
	}
	pos, err := parseVectors(*positions)
	if err != nil {
		return fmt.Errorf("--positions: %w", err)
	}
	if len(pos) == 0 {
		return fmt.Errorf("--positions is required")
	}
	syms := make([]string, len(pos))
	for i := range syms {
		syms[i] = "H"
	}
	if *species != "" {
		syms = strings.Split(*species, ",")
	}
	sys, err := descriptors.NewSystem(syms, pos)
	if err != nil {
		return err
	}
	out := map[string]any{"descriptor": sub}
	switch sub {
	case "soap":
		cs := pos
		if *centers != "" {
			if cs, err = parseVectors(*centers); err != nil {
				return fmt.Errorf("--centers: %w", err)
			}
		}
		s, err := soap.New(syms...).RCut(*rCut).Sigma(*sigma).NMax(*nMax).LMax(*lMax).Done()
		if err != nil {
			return err
		}
		d, dd, err := s.Derivatives(sys, cs)
		if err != nil {
			return err
		}
		out["features"] = d
		if *withDeriv {
			out["derivatives"] = dd
		}
		out["n_features"] = s.NumFeatures()
	case "sine":
		vecs, err := parseVectors(*cell)
		if err != nil || len(vecs) != 3 {
			return fmt.Errorf(`--cell needs three lattice vectors "ax,ay,az;bx,by,bz;cx,cy,cz"`)
		}
		n := *nAtomsMax
		if n == 0 {
			n = len(pos)
		}
		m, err := sine.New(n).Cell([3][3]float64{vecs[0], vecs[1], vecs[2]}).Done()
		if err != nil {
			return err
		}
		d, dd, err := m.Derivatives(sys)
		if err != nil {
			return err
		}
		out["features"] = d
		if *withDeriv {
			out["derivatives"] = dd
		}
		out["n_features"] = m.NumFeatures()
	}
	if *asJSON {
		return printJSON(out)
	}
	fmt.Printf("%s features (DScribe order): %v\n", sub, out["features"])
	if *withDeriv {
		fmt.Printf("derivatives (%s): %v\n", map[string]string{"soap": "[center][atom][xyz][feature]", "sine": "[atom][xyz][feature]"}[sub], out["derivatives"])
	}
	return nil
}

// benchForcesEpoch measures training epochs per second on the lesson's data.
func benchForcesEpoch(b compute.Backend, quick bool) (bench.Result, error) {
	ds, err := lessonDataset("soap", 20)
	if err != nil {
		return bench.Result{}, err
	}
	cfg := forcefield.Lesson()
	cfg.Patience = 1 << 30 // run every epoch
	cfg.MaxEpochs = 300
	if quick {
		cfg.MaxEpochs = 30
	}
	res, err := forcefield.Train(b, ds, cfg)
	if err != nil {
		return bench.Result{}, err
	}
	return bench.Result{Throughput: float64(res.Epochs) / res.Seconds, Iterations: res.Epochs, Seconds: res.Seconds,
		Extra: map[string]float64{"energy_mae": res.Metrics.EnergyMAE, "force_mae": res.Metrics.ForceMAE}}, nil
}
