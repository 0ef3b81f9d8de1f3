package dependency

import (
	"slices"
	"strings"
)

// Kinds are the dependency kinds devenv knows, in the order devenv lists them (`init`, the
// connection variables, docs). A new kind is one file like mysql.go, and its entry here.
func Kinds() []Kind {
	return []Kind{mysqlKind(), redisKind(), rabbitMQKind()}
}

// Lookup is the kind called name.
func Lookup(name string) (Kind, bool) {
	kinds := Kinds()
	i := slices.IndexFunc(kinds, func(k Kind) bool { return k.Name == name })
	if i < 0 {
		return Kind{}, false
	}
	return kinds[i], true
}

// Names are the kinds' names, in registry order.
func Names() []string {
	var out []string
	for _, k := range Kinds() {
		out = append(out, k.Name)
	}
	return out
}

// List is the kinds' names for messages: "mysql, redis, rabbitmq".
func List() string { return strings.Join(Names(), ", ") }
