// Package serve is the playground of `backprop serve`: one page, served from
// assets embedded in the binary (no CDN; it works offline), on which a person
// builds a small network for a 2-D dataset, or for a CSV file of their own,
// trains it and watches it learn, and takes single gradient steps that show
// every number of the derivation — the same numbers `backprop explain`
// prints, from the same engine (explain.Step).
//
// A CSV file given to the page (POST .../table) is read, split, scaled and
// one-hot encoded by the code `backprop train` uses (the data package and
// the model's backprop.Pipeline): any number of columns, a target column of
// classes (two: one sigmoid output and the log loss; more: softmax and
// cross-entropy), rows with a missing value left out, the CLI's limits and
// the playground's (Limits: rows, classes, inputs). The maps show two of its
// numeric columns (Config.View), the network's other inputs held at their
// means over the training rows. GET .../model downloads what was trained as
// the model file `backprop predict`, `evaluate` and `explain` read, or as
// ONNX: a model file predicts every row as the page does.
//
// The page's engine runs in the browser: serve/wasm, this package's session
// code with the engine, compiled to WebAssembly (go generate ./serve) and
// run in a Web Worker, answers the page's API requests there (Server.Call).
// A build without it, or the page opened with ?engine=server, trains on the
// server, through the JSON API below. ExportStatic (backprop serve
// --export-static DIR) writes the page for any static web host.
//
// On the server, each browser tab has a session (its data,
// network, trainer and loss history), deleted by a timer after
// Limits.IdleTimeout without a request; when every slot is taken, a new
// session takes the place of the least recently used one. The number of sessions, the network's size, the
// dataset's size, the steps and wall time of one request, the maps'
// resolutions and the request bodies are bounded by Limits, and a request
// over a limit is refused with a 4xx status and a JSON error,
// {"error": "hidden[0].units: 1000, want 1 to 16 (the playground's limit)",
// "field": "hidden[0].units"}. A request that fails changes nothing: a step
// whose values are out of range or whose numbers overflow is a 400 naming
// the field, and is not applied.
//
// The API answers only requests whose Host is an IP address or localhost
// (no DNS rebinding); it takes writes only with Content-Type
// application/json and without a foreign Origin (no cross-site forms or
// no-cors requests). Every answer carries a strict Content-Security-Policy
// (CSP), no framing and no referrer. Bodies are one JSON object: unknown
// fields, nulls for fields that are not optional, and data after the object
// are refused.
//
// # The JSON API
//
//	GET    /api/limits                    the Limits
//	POST   /api/sessions                  new session; body: a Config (fields left out take
//	                                      DefaultConfig's); 201 with the state
//	GET    /api/sessions/{id}             the state; query grid=N (the output map, N×N),
//	                                      neurons=N (every neuron's map), data=1 (the points)
//	PUT    /api/sessions/{id}/config      change the Config (fields given); answers the state;
//	                                      ?seq=n numbers the change: one numbered at most the
//	                                      last applied is refused (409), so the later wins
//	POST   /api/sessions/{id}/reset       {"seed": n}: new initial weights, progress cleared
//	POST   /api/sessions/{id}/train       {"steps": n}: up to n optimisation steps; answers the
//	                                      steps taken, why it stopped, epoch and the losses
//	POST   /api/sessions/{id}/step        {"set": "train", "index": i} or {"x": [..], "y": [..]},
//	                                      optional "alpha", "apply": one plain gradient step on
//	                                      one example: z, a, δ, the delta rule's terms, every
//	                                      gradient and update, explain's text and its Trace
//	POST   /api/sessions/{id}/article     load the worked example (2-3-2-1 sigmoid,
//	                                      log loss, α = 0.5); answers {"state", "example"}
//	PUT    /api/sessions/{id}/weight      {"layer": l, "i": i, "j": j, "value": v}: w^l_ij ← v
//	                                      (j = 0: the bias); answers the state
//	POST   /api/sessions/{id}/table       {"name": "iris.csv", "csv": "...", "target": "species",
//	                                      "view": ["petal_length", "petal_width"]} (target and view
//	                                      optional): train on the table (dataset csv); the state,
//	                                      with data=1 each row's class as the model file predicts it
//	GET    /api/sessions/{id}/model       ?format=json (the model file) or onnx: {"name", "type",
//	                                      "base64"}, the file's bytes in base64
//	DELETE /api/sessions/{id}             end the session
//
// Maps cover the square [-1, 1]² where every dataset lies (a table's two
// view columns scaled onto it: the state's table.range), row-major from the
// top row (x2 = 1) down; the output map of several outputs gives each
// cell's class. Losses are means per example (train.Evaluate);
// the step of POST .../step descends E = J(y, o) of its one example with
// plain gradient descent, w ← w − α ∂E/∂w, whatever the session's optimizer.
package serve

// The page's engine, serve/wasm compiled to WebAssembly, and Go's glue for it.
//go:generate go run ./internal/genwasm
