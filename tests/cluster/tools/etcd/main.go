// etcd's server as a binary: the etcd module ships no main package of its own at this path.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
