// Package e2e holds devenv's end-to-end tests: the built binary and the offline images against a
// real Docker Engine. They are compiled only with `-tags e2e` (`make test` and `make test-e2e`
// pass it) and FAIL, never skip, when the engine, the local registry or an image is missing:
// a green run must mean the features were exercised.
//
// Every test gets a unique project name and temp dir; everything it creates carries the label
// dev.devenv.project=<that name> and is removed by that label when the test ends.
package e2e
