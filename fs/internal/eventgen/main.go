// Command eventgen writes the code that follows the event interfaces of package fs
// (fs/interfaces.go), so that adding an event is: the interface and its doc, the
// engine call, the adapter mapping, and `go generate ./fs/`. It writes
//
//   - fs/events_gen.go: the event kinds the engine counts and traces, their names
//     and String method, and each event struct's kind method;
//   - fs/fstest/recorder_gen.go: the Recorder's handler fields, their detection, and
//     a forwarding method for every event the hand-written files of fstest lack;
//   - fs/faultfs/forward_gen.go: a fault-checking forwarding method for every event
//     the hand-written files of faultfs lack.
//
// It runs in the directory of package fs (go:generate does so).
package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"log"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// iface is one interface of fs/interfaces.go.
type iface struct {
	Name    string
	Methods []method
}

// method is one method of an interface: an event when it starts with On.
type method struct {
	Name   string // such as OnReadFile
	Event  string // the event struct, such as ReadFileEvent; "" for a non-event method
	Void   bool   // no error result (OnError)
	Iface  *iface
	fields []string // the event struct's field names
}

func (m method) isEvent() bool { return m.Event != "" }

// has reports whether the event struct has the field.
func (m method) has(field string) bool {
	for _, f := range m.fields {
		if f == field {
			return true
		}
	}
	return false
}

// nameExpr is the expression of the file the event concerns, for messages and
// fault rules: e.Name, or "/" for volume events.
func (m method) nameExpr() string {
	if m.has("Name") {
		return "e.Name"
	}
	return `"/"`
}

// contexts returns the FileContext fields of the event with their name fields
// (FileContext with Name, DestFileContext with DestName, DirectoryContext with
// Name).
func (m method) contexts() [][2]string {
	var out [][2]string
	for _, f := range m.fields {
		switch {
		case f == "DirectoryContext":
			out = append(out, [2]string{f, "Name"})
		case strings.HasSuffix(f, "FileContext"):
			out = append(out, [2]string{f, strings.TrimSuffix(f, "FileContext") + "Name"})
		}
	}
	return out
}

// field is the name of the handler field of an optional interface in the
// generated handlers struct: the interface's name with a lower-case first letter.
func field(i *iface) string {
	r := []rune(i.Name)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("eventgen: ")
	fset := token.NewFileSet()
	pkg := parseDir(fset, ".")
	structs := structFields(pkg)
	ifaces := interfaces(pkg["interfaces.go"], structs)
	write("events_gen.go", engine(ifaces))
	write(filepath.Join("fstest", "recorder_gen.go"), recorder(ifaces, handWritten(fset, "fstest", "Recorder")))
	write(filepath.Join("faultfs", "forward_gen.go"), faultfs(ifaces, handWritten(fset, "faultfs", "FS")))
}

// parseDir parses the hand-written, non-test Go files of dir.
func parseDir(fset *token.FileSet, dir string) map[string]*ast.File {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		log.Fatal(err)
	}
	out := map[string]*ast.File{}
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") || strings.HasSuffix(n, "_gen.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, parser.SkipObjectResolution)
		if err != nil {
			log.Fatal(err)
		}
		out[filepath.Base(n)] = f
	}
	return out
}

// structFields returns the field names of every struct type of the package.
func structFields(pkg map[string]*ast.File) map[string][]string {
	out := map[string][]string{}
	for _, f := range pkg {
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			for _, fl := range st.Fields.List {
				for _, name := range fl.Names {
					out[ts.Name.Name] = append(out[ts.Name.Name], name.Name)
				}
			}
			return false
		})
	}
	return out
}

// interfaces returns the interfaces of f in their order, with their methods.
func interfaces(f *ast.File, structs map[string][]string) []*iface {
	if f == nil {
		log.Fatal("no interfaces.go")
	}
	var out []*iface
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, s := range gd.Specs {
			ts := s.(*ast.TypeSpec)
			it, ok := ts.Type.(*ast.InterfaceType)
			if !ok {
				continue
			}
			i := &iface{Name: ts.Name.Name}
			for _, m := range it.Methods.List {
				ft, ok := m.Type.(*ast.FuncType)
				if !ok {
					continue // an embedded interface
				}
				for _, name := range m.Names {
					md := method{Name: name.Name, Iface: i, Void: ft.Results == nil}
					if strings.HasPrefix(name.Name, "On") {
						md.Event = strings.TrimPrefix(name.Name, "On") + "Event"
						if _, ok := structs[md.Event]; !ok {
							log.Fatalf("%s.%s: no struct %s", i.Name, name.Name, md.Event)
						}
						md.fields = structs[md.Event]
					}
					i.Methods = append(i.Methods, md)
				}
			}
			out = append(out, i)
		}
	}
	return out
}

// events returns the counted events: every event method with an error result.
func events(ifaces []*iface) []method {
	var out []method
	for _, i := range ifaces {
		for _, m := range i.Methods {
			if m.isEvent() && !m.Void {
				out = append(out, m)
			}
		}
	}
	return out
}

// handWritten returns the methods of type recv in the hand-written files of dir.
func handWritten(fset *token.FileSet, dir, recv string) map[string]bool {
	out := map[string]bool{}
	for _, f := range parseDir(fset, dir) {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || len(fd.Recv.List) != 1 {
				continue
			}
			t := fd.Recv.List[0].Type
			if st, ok := t.(*ast.StarExpr); ok {
				t = st.X
			}
			if id, ok := t.(*ast.Ident); ok && id.Name == recv {
				out[fd.Name.Name] = true
			}
		}
	}
	return out
}

const header = "// Code generated by fs/internal/eventgen from fs/interfaces.go. DO NOT EDIT.\n\n"

func engine(ifaces []*iface) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	b.WriteString("package fs\n\n")
	b.WriteString("// event names one kind of backend event, for statistics and tracing.\ntype event uint8\n\n")
	b.WriteString("// The events, in the order of interfaces.go.\nconst (\n")
	evs := events(ifaces)
	for i, m := range evs {
		if i == 0 {
			fmt.Fprintf(&b, "\tev%s event = iota\n", strings.TrimPrefix(m.Name, "On"))
		} else {
			fmt.Fprintf(&b, "\tev%s\n", strings.TrimPrefix(m.Name, "On"))
		}
	}
	b.WriteString("\tevCount // the number of events\n)\n\n")
	b.WriteString("var eventNames = [evCount]string{\n")
	for _, m := range evs {
		fmt.Fprintf(&b, "\tev%s: %q,\n", strings.TrimPrefix(m.Name, "On"), m.Name)
	}
	b.WriteString("}\n\n")
	b.WriteString("// String returns the handler's name, such as \"OnReadFile\".\nfunc (e event) String() string { return eventNames[e] }\n\n")
	for _, m := range evs {
		fmt.Fprintf(&b, "func (*%s) kind() event { return ev%s }\n", m.Event, strings.TrimPrefix(m.Name, "On"))
	}
	return b.Bytes()
}

// optional returns the optional interfaces: all but Interface.
func optional(ifaces []*iface) []*iface {
	var out []*iface
	for _, i := range ifaces {
		if i.Name != "Interface" {
			out = append(out, i)
		}
	}
	return out
}

// assertions writes the checks that recv implements every interface.
func assertions(b *bytes.Buffer, ifaces []*iface, recv string) {
	b.WriteString("var (\n")
	for _, i := range ifaces {
		fmt.Fprintf(b, "\t_ fs.%s = (*%s)(nil)\n", i.Name, recv)
	}
	b.WriteString(")\n\n")
}

func recorder(ifaces []*iface, hand map[string]bool) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	b.WriteString("package fstest\n\nimport (\n\t\"context\"\n\n\t\"github.com/anyfs/anyfs/fs\"\n)\n\n")
	assertions(&b, ifaces, "Recorder")
	b.WriteString("// handlers are the optional interfaces of the wrapped backend, nil where it lacks one.\ntype handlers struct {\n")
	for _, i := range optional(ifaces) {
		fmt.Fprintf(&b, "\t%s fs.%s\n", field(i), i.Name)
	}
	b.WriteString("}\n\n// detect finds the optional interfaces of b.\nfunc (h *handlers) detect(b fs.Interface) {\n")
	for _, i := range optional(ifaces) {
		fmt.Fprintf(&b, "\th.%s, _ = b.(fs.%s)\n", field(i), i.Name)
	}
	b.WriteString("}\n")
	for _, i := range ifaces {
		for _, m := range i.Methods {
			if !m.isEvent() || hand[m.Name] {
				continue
			}
			target := "r.b"
			if i.Name != "Interface" {
				target = "r." + field(i)
			}
			fmt.Fprintf(&b, "\n// %s counts the event and forwards it", m.Name)
			if i.Name != "Interface" {
				fmt.Fprintf(&b, "; without fs.%s it answers what the volume\n// answers without it (see absent)", i.Name)
			}
			b.WriteString(".\n")
			if m.Void {
				fmt.Fprintf(&b, "func (r *Recorder) %s(ctx context.Context, e *fs.%s) {\n\tr.count(%q)\n", m.Name, m.Event, m.Name)
				fmt.Fprintf(&b, "\tif %s != nil {\n\t\t%s.%s(ctx, e)\n\t}\n}\n", target, target, m.Name)
				continue
			}
			fmt.Fprintf(&b, "func (r *Recorder) %s(ctx context.Context, e *fs.%s) error {\n\tr.count(%q)\n", m.Name, m.Event, m.Name)
			for _, c := range m.contexts() {
				fmt.Fprintf(&b, "\te.%s = r.fileCtx(%q, e.%s, e.%s)\n", c[0], m.Name, c[1], c[0])
			}
			if i.Name != "Interface" {
				fmt.Fprintf(&b, "\tif %s == nil {\n\t\treturn r.absent(%q, %s)\n\t}\n", target, m.Name, m.nameExpr())
			}
			fmt.Fprintf(&b, "\treturn %s.%s(ctx, e)\n}\n", target, m.Name)
		}
	}
	return b.Bytes()
}

func faultfs(ifaces []*iface, hand map[string]bool) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	b.WriteString("package faultfs\n\nimport (\n\t\"context\"\n\n\t\"github.com/anyfs/anyfs/fs\"\n)\n\n")
	assertions(&b, ifaces, "FS")
	var names []string
	byName := map[string]method{}
	for _, i := range ifaces {
		for _, m := range i.Methods {
			if m.isEvent() && !hand[m.Name] {
				names = append(names, m.Name)
				byName[m.Name] = m
			}
		}
	}
	for _, n := range names {
		m := byName[n]
		i := m.Iface
		if m.Void {
			fmt.Fprintf(&b, "\n// %s forwards to the backend; no rule applies to it.\n", m.Name)
			fmt.Fprintf(&b, "func (f *FS) %s(ctx context.Context, e *fs.%s) {\n", m.Name, m.Event)
			fmt.Fprintf(&b, "\tif b, ok := f.b.(fs.%s); ok {\n\t\tb.%s(ctx, e)\n\t}\n}\n", i.Name, m.Name)
			continue
		}
		fmt.Fprintf(&b, "\n// %s forwards to the backend unless a rule hits.\n", m.Name)
		fmt.Fprintf(&b, "func (f *FS) %s(ctx context.Context, e *fs.%s) error {\n", m.Name, m.Event)
		fmt.Fprintf(&b, "\tif err := f.fault(ctx, %q, %s); err != nil {\n\t\treturn err\n\t}\n", m.Name, m.nameExpr())
		if i.Name == "Interface" {
			fmt.Fprintf(&b, "\treturn f.b.%s(ctx, e)\n}\n", m.Name)
			continue
		}
		fmt.Fprintf(&b, "\tif b, ok := f.b.(fs.%s); ok {\n\t\treturn b.%s(ctx, e)\n\t}\n\treturn fs.ErrNotSupported\n}\n", i.Name, m.Name)
	}
	return b.Bytes()
}

// write formats src and writes it to name when it changed.
func write(name string, src []byte) {
	out, err := format.Source(src)
	if err != nil {
		log.Fatalf("%s: %v\n%s", name, err, src)
	}
	if old, err := os.ReadFile(name); err == nil && bytes.Equal(old, out) {
		return
	}
	if err := os.WriteFile(name, out, 0o644); err != nil {
		log.Fatal(err)
	}
}
