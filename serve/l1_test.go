package serve

import (
	"encoding/json"
	"math"
	"testing"
)

// TestL1: the playground's L1 penalty is echoed in the state, reaches the
// trainer and shrinks the weights' ‖W‖₁ against the same training without
// it; out of range it is a 400 naming l1 (TestOutOfRangeChangesNothing
// checks that such a refusal changes nothing).
func TestL1(t *testing.T) {
	s := New(Limits{}, nil)
	cfg := map[string]any{"dataset": "xor", "mode": "batch", "optimizer": "sgd", "learning_rate": 0.3}
	plain, pen := newSession(t, s, cfg), newSession(t, s, cfg)
	var st state
	if code, body := api(t, s, "PUT", "/api/sessions/"+pen.ID+"/config", map[string]any{"l1": 0.01}, &st); code != 200 || st.Config.L1 != 0.01 {
		t.Fatalf("put l1: %d %s", code, body)
	}
	if got := s.sessions[pen.ID].cfg.trainConfig().L1; got != 0.01 {
		t.Fatalf("the trainer's l1: %v", got)
	}
	norm := func(id string) float64 {
		api(t, s, "POST", "/api/sessions/"+id+"/reset", map[string]any{"seed": 3}, nil)
		api(t, s, "POST", "/api/sessions/"+id+"/train", map[string]int{"steps": 400}, nil)
		var n float64
		for _, lay := range s.sessions[id].net.Layers {
			for _, w := range lay.W {
				n += math.Abs(w)
			}
		}
		return n
	}
	if a, b := norm(plain.ID), norm(pen.ID); !(b < 0.9*a) {
		t.Errorf("‖W‖₁ after 400 steps: %v with l1 0.01, %v without; want the penalty to shrink it", b, a)
	} else {
		t.Logf("‖W‖₁ after 400 steps: %v with l1 0.01, %v without", b, a)
	}
	for _, v := range []any{-0.1, 2, "0.1"} {
		var e apiError
		code, body := api(t, s, "PUT", "/api/sessions/"+pen.ID+"/config", map[string]any{"l1": v}, nil)
		if code != 400 {
			t.Errorf("l1 %v: %d %s, want 400", v, code, body)
		} else if _, isNum := v.(string); !isNum {
			if err := json.Unmarshal([]byte(body), &e); err != nil || e.Field != "l1" {
				t.Errorf("l1 %v: %s, want the field l1", v, body)
			}
		}
	}
}
