// Command reqgen writes an adapter's request-counting wrapper: a type that
// wraps the adapter's file system and counts every request the FUSE binding
// hands it, by opcode, in a mountopt.RequestCounts. It reads the binding's
// interfaces from the binding's source (go-fuse's RawFileSystem; cgofuse's
// FileSystemInterface and its optional FileSystem* interfaces) and writes one
// method a request, the opcode constants and their names. Run it with go
// generate in the adapter's directory:
//
//	//go:generate go run ../internal/reqgen -adapter gofuse -o requests_gen.go
//
// The output depends only on the binding's version in go.mod and on the
// adapter's sources, so a second run writes the same file.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// binding describes how one adapter's FUSE binding calls the file system.
type binding struct {
	pkg   string // import path of the binding's package
	file  string // the file of that package that declares the interfaces
	alias string // the package's name in the output
	// iface reports whether an interface of the binding declares requests.
	iface func(name string) bool
	// wrapped is the adapter's type the wrapper embeds, by its methods of which
	// the wrapper counts the requests: a type of the adapter's package (whose
	// methods are read from the package's sources), or an interface of the
	// binding (all its methods).
	wrapped string
	field   string // the embedded field's name, for the calls
	// skip names methods that are not requests.
	skip []string
	// failed returns the expression that tells a failed request from the
	// results r0, r1, ... of a method with the given result types.
	failed func(results []string) string
	// opName is the opcode a method counts as.
	opName func(method string) string
	// buildTag is the adapter's build constraint.
	buildTag string
}

var bindings = map[string]binding{
	"gofuse": {
		pkg: "github.com/hanwen/go-fuse/v2/fuse", file: "api.go", alias: "fuse",
		iface:   func(name string) bool { return name == "RawFileSystem" },
		wrapped: "fuse.RawFileSystem", field: "RawFileSystem",
		skip: []string{"String", "SetDebug", "Init", "OnUnmount"},
		failed: func(results []string) string {
			if len(results) == 0 {
				return "false" // FORGET, RELEASE, RELEASEDIR: no reply
			}
			return fmt.Sprintf("r%d != fuse.OK", len(results)-1)
		},
		opName:   strings.ToUpper,
		buildTag: "linux || darwin",
	},
	"cgofuse": {
		pkg: "github.com/winfsp/cgofuse/fuse", file: "fsop.go", alias: "fuse",
		iface: func(name string) bool {
			return name == "FileSystemInterface" || strings.HasPrefix(name, "FileSystem") && !strings.HasSuffix(name, "Base")
		},
		wrapped: "*fileSystem", field: "fileSystem",
		skip:   []string{"Init", "Destroy"},
		failed: func([]string) string { return "r0 < 0" }, // -errno
		// The extended forms of an operation (OpenEx, Chmod3, ...) are the
		// same request as the plain ones.
		opName: func(m string) string {
			return strings.ToUpper(strings.TrimSuffix(strings.TrimSuffix(m, "Ex"), "3"))
		},
		buildTag: "windows || cgofuse",
	},
}

// method is a request of the binding's interfaces.
type method struct {
	name    string
	params  []string // "name type"
	args    []string // the names, with ... for a variadic one
	results []string // the types
	op      string   // the opcode name
}

func main() {
	adapter := flag.String("adapter", "", "the adapter: gofuse or cgofuse")
	out := flag.String("o", "requests_gen.go", "the file to write")
	flag.Parse()
	b, ok := bindings[*adapter]
	if !ok {
		fail(fmt.Errorf("-adapter %q: want gofuse or cgofuse", *adapter))
	}
	src, err := generate(b, ".", *out, *adapter)
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fail(fmt.Errorf("write %s: %w", *out, err))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "reqgen:", err)
	os.Exit(1)
}

// generate returns the wrapper for the adapter in dir, whose output file is
// out (left out of the adapter's sources).
func generate(b binding, dir, out, adapter string) ([]byte, error) {
	pkgDir, err := packageDir(dir, b.pkg)
	if err != nil {
		return nil, err
	}
	methods, err := requests(b, filepath.Join(pkgDir, b.file))
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(b.wrapped, b.alias+".") {
		have, err := methodsOf(dir, strings.TrimPrefix(b.wrapped, "*"), out)
		if err != nil {
			return nil, err
		}
		methods = slices.DeleteFunc(methods, func(m method) bool { return !have[m.name] })
	}
	return render(b, adapter, methods)
}

// packageDir returns the directory of package pkg as the module in dir
// resolves it.
func packageDir(dir, pkg string) (string, error) {
	cmd := exec.Command("go", "list", "-e", "-f", "{{.Dir}}", pkg)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	o, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list %s: %w", pkg, err)
	}
	d := strings.TrimSpace(string(o))
	if d == "" {
		return "", fmt.Errorf("go list %s: no directory (is the module downloaded?)", pkg)
	}
	return d, nil
}

// requests returns the methods of the binding's request interfaces in file,
// in the order they are declared, each once.
func requests(b binding, file string) ([]method, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, 0)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", file, err)
	}
	var out []method
	seen := map[string]bool{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.TYPE {
			continue
		}
		for _, s := range g.Specs {
			ts := s.(*ast.TypeSpec)
			it, ok := ts.Type.(*ast.InterfaceType)
			if !ok || !b.iface(ts.Name.Name) {
				continue
			}
			for _, fld := range it.Methods.List {
				ft, ok := fld.Type.(*ast.FuncType)
				if !ok || len(fld.Names) != 1 {
					return nil, fmt.Errorf("%s: %s embeds an interface, which reqgen does not follow", file, ts.Name.Name)
				}
				name := fld.Names[0].Name
				if seen[name] || slices.Contains(b.skip, name) {
					continue
				}
				seen[name] = true
				m, err := newMethod(fset, b, name, ft)
				if err != nil {
					return nil, fmt.Errorf("%s: %s.%s: %w", file, ts.Name.Name, name, err)
				}
				out = append(out, m)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no request interfaces", file)
	}
	return out, nil
}

// reserved are the names the generated methods use for themselves.
var reserved = []string{"c", "start"}

func newMethod(fset *token.FileSet, b binding, name string, ft *ast.FuncType) (method, error) {
	m := method{name: name, op: b.opName(name)}
	i := 0
	for _, p := range ft.Params.List {
		typ := typeString(fset, b.alias, p.Type)
		names := p.Names
		if len(names) == 0 {
			names = []*ast.Ident{nil}
		}
		for _, n := range names {
			pn := fmt.Sprintf("p%d", i)
			if n != nil && n.Name != "_" {
				pn = n.Name
			}
			if slices.Contains(reserved, pn) || strings.HasPrefix(pn, "r") && len(pn) == 2 {
				return m, fmt.Errorf("parameter %s: the name is the wrapper's", pn)
			}
			i++
			m.params = append(m.params, pn+" "+typ)
			if _, ok := p.Type.(*ast.Ellipsis); ok {
				pn += "..."
			}
			m.args = append(m.args, pn)
		}
	}
	if ft.Results != nil {
		for _, r := range ft.Results.List {
			typ := typeString(fset, b.alias, r.Type)
			for range max(1, len(r.Names)) {
				m.results = append(m.results, typ)
			}
		}
	}
	return m, nil
}

// typeString prints a type of the binding's package as the output names it:
// the package's own exported types qualified with alias.
func typeString(fset *token.FileSet, alias string, e ast.Expr) string {
	var buf bytes.Buffer
	if err := printer.Fprint(&buf, fset, qualify(alias, e)); err != nil {
		panic(err) // printing an expression that was parsed does not fail
	}
	return buf.String()
}

// qualify returns e with every exported identifier of its package qualified.
func qualify(alias string, e ast.Expr) ast.Expr {
	switch t := e.(type) {
	case *ast.Ident:
		if ast.IsExported(t.Name) {
			return &ast.SelectorExpr{X: ast.NewIdent(alias), Sel: ast.NewIdent(t.Name)}
		}
		return t
	case *ast.StarExpr:
		return &ast.StarExpr{X: qualify(alias, t.X)}
	case *ast.ArrayType:
		return &ast.ArrayType{Len: t.Len, Elt: qualify(alias, t.Elt)}
	case *ast.Ellipsis:
		return &ast.Ellipsis{Elt: qualify(alias, t.Elt)}
	case *ast.ChanType:
		return &ast.ChanType{Dir: t.Dir, Value: qualify(alias, t.Value)}
	case *ast.MapType:
		return &ast.MapType{Key: qualify(alias, t.Key), Value: qualify(alias, t.Value)}
	case *ast.FuncType:
		return &ast.FuncType{Params: qualifyFields(alias, t.Params), Results: qualifyFields(alias, t.Results)}
	default: // struct{}, a qualified name
		return e
	}
}

func qualifyFields(alias string, l *ast.FieldList) *ast.FieldList {
	if l == nil {
		return nil
	}
	out := &ast.FieldList{}
	for _, f := range l.List {
		out.List = append(out.List, &ast.Field{Names: f.Names, Type: qualify(alias, f.Type)})
	}
	return out
}

// methodsOf returns the names of the methods of type typ declared in the
// package in dir, leaving out the file skip.
func methodsOf(dir, typ, skip string) (map[string]bool, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || filepath.Base(name) == filepath.Base(skip) {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || len(fd.Recv.List) != 1 {
				continue
			}
			rt := fd.Recv.List[0].Type
			if s, ok := rt.(*ast.StarExpr); ok {
				rt = s.X
			}
			if id, ok := rt.(*ast.Ident); ok && id.Name == typ {
				have[fd.Name.Name] = true
			}
		}
	}
	if len(have) == 0 {
		return nil, fmt.Errorf("%s: no methods of %s", dir, typ)
	}
	return have, nil
}

// render writes the wrapper's source.
func render(b binding, adapter string, methods []method) ([]byte, error) {
	var w bytes.Buffer
	p := func(format string, a ...any) { fmt.Fprintf(&w, format, a...) }
	p("// Code generated by go run ../internal/reqgen -adapter %s; DO NOT EDIT.\n\n", adapter)
	p("//go:build %s\n\n", b.buildTag)
	p("package %s\n\n", adapter)
	p("import (\n\t%q\n\n\t%q\n)\n\n", b.pkg, "github.com/anyfs/anyfs/adapters/mountopt")
	p("// countingFS counts the requests of the file system it wraps by opcode\n")
	p("// (mountopt.Options.CountRequests).\n")
	p("type countingFS struct {\n\t%s\n\tn *mountopt.RequestCounts\n}\n", b.wrapped)

	var ops []string // opcode names, in order
	constOf := map[string]string{}
	for _, m := range methods {
		if _, ok := constOf[m.op]; !ok {
			ops = append(ops, m.op)
			constOf[m.op] = "op" + m.name
		}
	}
	for _, m := range methods {
		op := constOf[m.op]
		rs := make([]string, len(m.results))
		for i := range rs {
			rs[i] = fmt.Sprintf("r%d", i)
		}
		res := strings.Join(m.results, ", ")
		if len(m.results) > 1 {
			res = "(" + res + ")"
		}
		p("\n// %s counts a %s request.\n", m.name, m.op)
		p("func (c *countingFS) %s(%s) %s {\n", m.name, strings.Join(m.params, ", "), res)
		p("\tstart := c.n.Start(%s)\n", op)
		call := fmt.Sprintf("c.%s.%s(%s)", b.field, m.name, strings.Join(m.args, ", "))
		if len(rs) > 0 {
			p("\t%s := %s\n", strings.Join(rs, ", "), call)
		} else {
			p("\t%s\n", call)
		}
		p("\tc.n.Done(%s, start, %s)\n", op, b.failed(m.results))
		if len(rs) > 0 {
			p("\treturn %s\n", strings.Join(rs, ", "))
		}
		p("}\n")
	}
	p("\n// The counted opcodes.\nconst (\n")
	for i, op := range ops {
		if i == 0 {
			p("\t%s = iota\n", constOf[op])
		} else {
			p("\t%s\n", constOf[op])
		}
	}
	p("\topCount\n)\n\n")
	p("// opNames are the names of the counted opcodes.\nvar opNames = []string{\n")
	for _, op := range ops {
		p("\t%s: %q,\n", constOf[op], op)
	}
	p("}\n")
	src, err := format.Source(w.Bytes())
	if err != nil {
		return nil, fmt.Errorf("format the output: %w\n%s", err, w.Bytes())
	}
	return src, nil
}
