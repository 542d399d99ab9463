package nb

import "testing"

func TestPickFollowsQuickMode(t *testing.T) {
	t.Setenv(EnvQuick, "1")
	if !Quick() || Pick(1, 2) != 1 || Mode() != "quick" {
		t.Fatal("PHYSNB_QUICK=1 must select quick values")
	}
	t.Setenv(EnvQuick, "0")
	if Quick() || Pick(1, 2) != 2 || Mode() != "full" {
		t.Fatal("PHYSNB_QUICK=0 must select full values")
	}
}

func TestCheckPanicsWithMessage(t *testing.T) {
	defer func() {
		r := recover()
		ce, ok := r.(*CheckError)
		if !ok || ce.Msg != "acc 0.5 < 0.9" {
			t.Fatalf("recovered %v", r)
		}
	}()
	Check(true, "never")
	Check(false, "acc %.1f < %.1f", 0.5, 0.9)
	t.Fatal("Check(false) returned")
}

func TestSeed(t *testing.T) {
	t.Setenv(EnvSeed, "")
	if Seed() != 42 {
		t.Fatal("default seed")
	}
	t.Setenv(EnvSeed, "7")
	if Seed() != 7 {
		t.Fatal("PHYSNB_SEED")
	}
}

func TestSaveLoadAcrossCells(t *testing.T) {
	t.Setenv("GONB_TMP_DIR", t.TempDir())
	type result struct {
		Losses []float64
		Acc    float64
	}
	var got result
	if err := Load("training", &got); err == nil {
		t.Fatal("Load before Save must fail, saying which cell to run")
	}
	want := result{Losses: []float64{3, 2, 1}, Acc: 0.97}
	MustSave("training", want)
	MustLoad("training", &got)
	if got.Acc != want.Acc || len(got.Losses) != 3 || got.Losses[2] != 1 {
		t.Fatalf("got %+v", got)
	}
	if err := Save("../escape", 1); err == nil {
		t.Fatal("names with path separators must be refused")
	}
}
