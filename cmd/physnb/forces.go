package main

// Commands of the deep-learning-fundamentals lesson: Lennard-Jones dimers, energy+force
// training through SOAP or Sine-matrix descriptors (lib/forcefield), and the descriptors of
// users' own structures in DScribe's order and normalisation (lib/descriptors/dscribe).

import (
	"context"
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/physnb/physnb/lib/backend"
	"github.com/physnb/physnb/lib/bench"
	"github.com/physnb/physnb/lib/descriptors/dscribe"
	"github.com/physnb/physnb/lib/forcefield"
	"github.com/physnb/physnb/lib/potentials/lj"
	"github.com/physnb/physnb/lib/progress"
)

func init() {
	register(command{name: "forces", summary: "learn LJ energies and forces of H2 from SOAP/Sine descriptors (lj, train, seeds)", run: runForces})
	register(command{name: "descriptors", summary: "SOAP or Sine matrix (with derivatives) of your own structure, in DScribe's layout", run: runDescriptors})
	bench.Register(forcefield.BenchWorkload())
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

// parseFloats reads "a,b,c": every field a finite number ("" is no numbers;
// an empty field such as in "1,,2" is an error, never skipped).
func parseFloats(s string) ([]float64, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []float64
	for i, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			return nil, fmt.Errorf("%q: number %d is empty, want comma-separated numbers", s, i+1)
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%q: want a finite number", f)
		}
		out = append(out, v)
	}
	return out, nil
}

// parseVectors reads "x,y,z;x,y,z;..." (a final ";" is allowed, an empty
// vector between two is an error).
func parseVectors(s string) ([][3]float64, error) {
	var out [][3]float64
	parts := strings.Split(s, ";")
	for i, p := range parts {
		if strings.TrimSpace(p) == "" {
			if i == len(parts)-1 {
				continue
			}
			return nil, fmt.Errorf("%q: vector %d is empty, want \"x,y,z;x,y,z;...\"", s, i+1)
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
	eps := fs.Float64("epsilon", forcefield.LessonEpsilon, "well depth ε (eV)")
	sigma := fs.Float64("sigma", forcefield.LessonSigma, "σ (Å)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ds, err := parseFloats(*dists)
	if err != nil {
		return fmt.Errorf("--distances: %w", err)
	}
	if len(ds) == 0 {
		return fmt.Errorf("--distances %q: want at least one distance (Å), e.g. 2.5,3.0,5.0", *dists)
	}
	calc, err := lj.New(*eps, *sigma).Done()
	if err != nil {
		return fmt.Errorf("--epsilon %g --sigma %g: %w", *eps, *sigma, err)
	}
	rows, err := calc.Dimers(ds)
	if err != nil {
		return fmt.Errorf("--distances: %w", err)
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

// trainReport is what `forces train --json` prints.
type trainReport = forcefield.Report

func forcesTrain(args []string, manySeeds bool) error {
	name := map[bool]string{false: "forces train", true: "forces seeds"}[manySeeds]
	d, s := forcefield.Default(), forcefield.DefaultSeedStudy()
	e := &s.Base
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&e.Descriptor, "descriptor", d.Descriptor, "soap or sine")
	fs.StringVar(&e.Recipe, "recipe", d.Recipe, "robust (restarts, lr decay, stop on no new best) or lesson (the lesson's recipe as written)")
	fs.Uint64Var(&e.Seed, "seed", d.Seed, "random seed (first seed for 'seeds')")
	fs.IntVar(&s.Seeds, "n", s.Seeds, "number of seeds ('seeds' only)")
	fs.IntVar(&s.Seeds, "seeds", s.Seeds, "same as -n")
	fs.IntVar(&e.Epochs, "epochs", d.Epochs, "maximum epochs")
	fs.Float64Var(&e.Box, "box", d.Box, "cubic box side (Å) for the Sine matrix")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	err := e.Validate()
	if manySeeds {
		err = s.Validate()
	}
	if err != nil { // "forcefield: --recipe ..." names the flag
		return err
	}
	b, err := backend.Default()
	if err != nil {
		return err
	}
	bar := progress.New(name, 0).LogY().OnStep
	if !manySeeds {
		e.OnStep = bar
		r, err := e.Run(context.Background(), b)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(r)
		}
		fmt.Printf("%s descriptor, %s recipe, seed %d: %d epochs (best %d; %s; %d in all with restarts) in %.1f s\n",
			r.Descriptor, r.Recipe, r.Seed, r.Epochs, r.BestEpoch, r.StopReason, r.TotalEpochs, r.Seconds)
		fmt.Printf("energy MAE %.4f eV (target <= %.3f), force MAE %.4f eV/Å (target <= %.2f) on 200 dimers\n",
			r.EnergyMAE, forcefield.TargetEnergyMAE, r.ForceMAE, forcefield.TargetForceMAE)
		return nil
	}
	s.OnStep = bar
	r, err := s.Run(context.Background(), b)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(r)
	}
	for _, r := range r.Runs {
		fmt.Printf("seed %3d: energy MAE %.4f eV, force MAE %.4f eV/Å, %d epochs (%s), %.1f s\n", r.Seed, r.EnergyMAE, r.ForceMAE, r.Epochs, r.StopReason, r.Seconds)
	}
	es, fe := r.EnergyMAE, r.ForceMAE
	fmt.Printf("energy MAE %.4f ± %.4f eV [%.4f, %.4f]; force MAE %.4f ± %.4f eV/Å [%.4f, %.4f]; %d/%d runs meet both targets\n",
		es.Mean, es.Std, es.Min, es.Max, fe.Mean, fe.Std, fe.Min, fe.Max, r.Meeting, len(r.Runs))
	return nil
}

func runDescriptors(args []string) error {
	sub, rest, err := splitSub("descriptors", args, "soap", "sine")
	if err != nil {
		return err
	}
	r := dscribe.Default()
	r.Descriptor = sub
	fs := flag.NewFlagSet("descriptors "+sub, flag.ContinueOnError)
	positions := fs.String("positions", "", `atom positions "x,y,z;x,y,z;..." (Å)`)
	species := fs.String("species", "", "comma-separated species of the atoms, in order (default: all H)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	fs.BoolVar(&r.Derivatives, "derivatives", false, "also print derivatives")
	centers := fs.String("centers", "", `SOAP centres "x,y,z;..." (default: every atom)`)
	fs.Float64Var(&r.RCut, "r-cut", r.RCut, "SOAP cut-off (Å)")
	fs.Float64Var(&r.Sigma, "sigma", r.Sigma, "SOAP Gaussian width (Å)")
	fs.IntVar(&r.NMax, "n-max", r.NMax, "SOAP radial functions")
	fs.IntVar(&r.LMax, "l-max", r.LMax, "SOAP maximum degree")
	cell := fs.String("cell", "", `Sine matrix lattice vectors "ax,ay,az;bx,by,bz;cx,cy,cz" (Å)`)
	fs.IntVar(&r.NAtomsMax, "n-atoms-max", r.NAtomsMax, "Sine matrix size (default: the number of atoms)")
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if r.Positions, err = parseVectors(*positions); err != nil {
		return fmt.Errorf("--positions: %w", err)
	}
	if *species != "" {
		r.Species = strings.Split(*species, ",")
	}
	if r.Centers, err = parseVectors(*centers); err != nil {
		return fmt.Errorf("--centers: %w", err)
	}
	if vecs, err := parseVectors(*cell); sub == "sine" && (err != nil || len(vecs) != 3) {
		return fmt.Errorf(`--cell needs three lattice vectors "ax,ay,az;bx,by,bz;cx,cy,cz"`)
	} else if len(vecs) == 3 {
		r.Cell = &[3][3]float64{vecs[0], vecs[1], vecs[2]}
	}
	out, err := r.Compute()
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(out)
	}
	fmt.Printf("%s features (DScribe order): %v\n", sub, out.Features)
	if r.Derivatives {
		fmt.Printf("derivatives (%s): %v\n", map[string]string{"soap": "[center][atom][xyz][feature]", "sine": "[atom][xyz][feature]"}[sub], out.Derivatives)
	}
	return nil
}
