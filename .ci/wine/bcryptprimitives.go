//go:build ignore

// bcryptprimitives writes bcryptprimitives.dll, a PE32+ DLL for x86-64 with one
// export and no code: ProcessPrng, forwarded to advapi32.SystemFunction036
// (RtlGenRandom). Wine 8.0 ships no bcryptprimitives.dll, while every Go
// 1.22+ Windows program loads ProcessPrng from it at start; .ci/windows-tests
// puts this forwarder into the Wine prefix's system32.
//
//	go run .ci/wine/bcryptprimitives.go OUTPUT.dll
//
// ProcessPrng(PBYTE, SIZE_T) BOOL and RtlGenRandom(PVOID, ULONG) BOOLEAN take
// the same registers on x86-64 and both return non-zero on success; Go asks for
// far fewer than 4 GiB at a time and tests the low byte.
package main

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"fmt"
	"os"
)

const (
	dllName   = "bcryptprimitives.dll"
	export    = "ProcessPrng"
	forwardTo = "advapi32.SystemFunction036"

	fileAlign    = 0x200
	sectionAlign = 0x1000
	sectionRVA   = sectionAlign // the one section, right after the headers
	imageBase    = 0x180000000
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run bcryptprimitives.go OUTPUT.dll")
		os.Exit(2)
	}
	img, err := build()
	if err == nil {
		err = check(img)
	}
	if err == nil {
		err = os.WriteFile(os.Args[1], img, 0o644)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bcryptprimitives: %v\n", err)
		os.Exit(1)
	}
}

// exportSection is the .edata section: the export directory, its three
// tables and the strings they point at. The function's address points inside
// the export directory's range, which makes it a forwarder.
func exportSection() []byte {
	const dirSize = 40 // IMAGE_EXPORT_DIRECTORY
	var (
		functions = uint32(sectionRVA + dirSize) // one RVA
		names     = functions + 4                // one RVA
		ordinals  = names + 4                    // one uint16
		strings   = ordinals + 2
	)
	var strs bytes.Buffer
	str := func(s string) uint32 {
		rva := strings + uint32(strs.Len())
		strs.WriteString(s)
		strs.WriteByte(0)
		return rva
	}
	nameRVA := str(dllName)
	exportRVA := str(export)
	forwardRVA := str(forwardTo)

	var b bytes.Buffer
	w := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	w(uint32(0))  // Characteristics
	w(uint32(0))  // TimeDateStamp
	w(uint16(0))  // MajorVersion
	w(uint16(0))  // MinorVersion
	w(nameRVA)    // Name
	w(uint32(1))  // Base (first ordinal)
	w(uint32(1))  // NumberOfFunctions
	w(uint32(1))  // NumberOfNames
	w(functions)  // AddressOfFunctions
	w(names)      // AddressOfNames
	w(ordinals)   // AddressOfNameOrdinals
	w(forwardRVA) // the function: a forwarder string
	w(exportRVA)  // its name
	w(uint16(0))  // its index in the function table
	b.Write(strs.Bytes())
	return b.Bytes()
}

func align(n, a uint32) uint32 { return (n + a - 1) &^ (a - 1) }

func build() ([]byte, error) {
	edata := exportSection()
	size := uint32(len(edata))
	if size > fileAlign {
		return nil, fmt.Errorf("export section of %d bytes does not fit one file block", size)
	}
	const lfanew = 0x40
	var b bytes.Buffer
	w := func(v any) { binary.Write(&b, binary.LittleEndian, v) }

	// DOS header: the magic and the offset of the PE header, nothing else.
	dos := make([]byte, lfanew)
	copy(dos, "MZ")
	binary.LittleEndian.PutUint32(dos[0x3c:], lfanew)
	b.Write(dos)
	b.WriteString("PE\x00\x00")

	w(pe.FileHeader{
		Machine:              pe.IMAGE_FILE_MACHINE_AMD64,
		NumberOfSections:     1,
		SizeOfOptionalHeader: uint16(binary.Size(pe.OptionalHeader64{})),
		Characteristics: pe.IMAGE_FILE_EXECUTABLE_IMAGE | pe.IMAGE_FILE_LARGE_ADDRESS_AWARE |
			pe.IMAGE_FILE_DLL,
	})
	opt := pe.OptionalHeader64{
		Magic:                       0x20b, // PE32+
		MajorLinkerVersion:          14,
		SizeOfInitializedData:       fileAlign,
		BaseOfCode:                  sectionRVA,
		ImageBase:                   imageBase,
		SectionAlignment:            sectionAlign,
		FileAlignment:               fileAlign,
		MajorOperatingSystemVersion: 6,
		MajorSubsystemVersion:       6,
		SizeOfImage:                 sectionRVA + align(size, sectionAlign),
		SizeOfHeaders:               fileAlign,
		Subsystem:                   pe.IMAGE_SUBSYSTEM_WINDOWS_CUI,
		DllCharacteristics:          pe.IMAGE_DLLCHARACTERISTICS_NX_COMPAT,
		SizeOfStackReserve:          0x100000,
		SizeOfStackCommit:           0x1000,
		SizeOfHeapReserve:           0x100000,
		SizeOfHeapCommit:            0x1000,
		NumberOfRvaAndSizes:         16,
	}
	opt.DataDirectory[pe.IMAGE_DIRECTORY_ENTRY_EXPORT] = pe.DataDirectory{VirtualAddress: sectionRVA, Size: size}
	w(opt)
	var sh pe.SectionHeader32
	copy(sh.Name[:], ".edata")
	sh.VirtualSize = size
	sh.VirtualAddress = sectionRVA
	sh.SizeOfRawData = fileAlign
	sh.PointerToRawData = fileAlign
	sh.Characteristics = pe.IMAGE_SCN_CNT_INITIALIZED_DATA | pe.IMAGE_SCN_MEM_READ
	w(sh)
	if b.Len() > fileAlign {
		return nil, fmt.Errorf("headers of %d bytes do not fit one file block", b.Len())
	}
	b.Write(make([]byte, fileAlign-b.Len()))
	b.Write(edata)
	b.Write(make([]byte, 2*fileAlign-b.Len()))
	return b.Bytes(), nil
}

// check reads the image back with debug/pe and finds the forwarder where a
// loader looks for it.
func check(img []byte) error {
	f, err := pe.NewFile(bytes.NewReader(img))
	if err != nil {
		return fmt.Errorf("reading the image back: %w", err)
	}
	defer f.Close()
	s := f.Section(".edata")
	if s == nil {
		return fmt.Errorf("no .edata section in the image")
	}
	data, err := s.Data()
	if err != nil {
		return fmt.Errorf("reading .edata: %w", err)
	}
	le := binary.LittleEndian
	at := func(rva uint32) []byte {
		if rva < s.VirtualAddress || rva-s.VirtualAddress >= uint32(len(data)) {
			return nil
		}
		return data[rva-s.VirtualAddress:]
	}
	cstr := func(rva uint32) string {
		d := at(rva)
		if i := bytes.IndexByte(d, 0); i >= 0 {
			return string(d[:i])
		}
		return ""
	}
	dir := at(sectionRVA)
	if len(dir) < 40 {
		return fmt.Errorf("no export directory at RVA %#x", sectionRVA)
	}
	names, funcs := at(le.Uint32(dir[32:])), at(le.Uint32(dir[28:]))
	if len(names) < 4 || len(funcs) < 4 {
		return fmt.Errorf("export tables outside the section")
	}
	name, fn := cstr(le.Uint32(names)), le.Uint32(funcs)
	if got := cstr(le.Uint32(dir[12:])); got != dllName {
		return fmt.Errorf("the image names itself %q, want %q", got, dllName)
	}
	if name != export || cstr(fn) != forwardTo {
		return fmt.Errorf("export %q -> %q, want %q -> %q", name, cstr(fn), export, forwardTo)
	}
	return nil
}
