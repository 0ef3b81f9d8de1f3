module devenv-example/integration

go 1.22
