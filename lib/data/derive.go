package data

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
)

// builder writes a derived manifest file to w, fetching what it needs.
type builder func(ctx context.Context, e Entry, w io.Writer) error

// buildWine joins UCI's two Wine Quality files, white first, into one
// comma-separated file with a leading `type` column.
func buildWine(ctx context.Context, e Entry, w io.Writer) error {
	bw := bufio.NewWriter(w)
	for i, kind := range []string{"white", "red"} {
		url := uciWine + "winequality-" + kind + ".csv"
		body, err := open(ctx, url)
		if err != nil {
			return err
		}
		err = joinWine(body, bw, kind, i == 0)
		body.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", url, err)
		}
	}
	return bw.Flush()
}

// joinWine copies one UCI wine file (';'-separated, quoted header) to w as
// comma-separated rows prefixed with kind; the header is written once.
func joinWine(r io.Reader, w io.Writer, kind string, header bool) error {
	sc := bufio.NewScanner(r)
	first := true
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		line = strings.ReplaceAll(line, ";", ",")
		if first {
			first = false
			if header {
				fmt.Fprintf(w, "type,%s\n", strings.ReplaceAll(line, `"`, ""))
			}
			continue
		}
		fmt.Fprintf(w, "%s,%s\n", kind, line)
	}
	return sc.Err()
}

// buildCRToLF downloads e.URL and converts old-Mac CR line endings to LF.
func buildCRToLF(ctx context.Context, e Entry, w io.Writer) error {
	body, err := open(ctx, e.URL)
	if err != nil {
		return err
	}
	defer body.Close()
	b, err := io.ReadAll(io.LimitReader(body, 64<<20))
	if err != nil {
		return err
	}
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	b = bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
	_, err = w.Write(b)
	return err
}

// buildTarMember streams e.URL (a .tar.gz) and copies the member whose
// path ends with member.
func buildTarMember(member string) builder {
	return func(ctx context.Context, e Entry, w io.Writer) error {
		body, err := open(ctx, e.URL)
		if err != nil {
			return err
		}
		defer body.Close()
		return tarMember(body, member, func(r io.Reader) error {
			_, err := io.Copy(w, io.LimitReader(r, e.Size+1))
			return err
		})
	}
}

func buildCIFARSample(ctx context.Context, e Entry, w io.Writer) error {
	return fromCIFARArchive(ctx, "data_batch_1.bin", func(r io.Reader) error {
		_, err := io.CopyN(w, r, e.Size)
		return err
	})
}

func buildCIFARMeta(ctx context.Context, e Entry, w io.Writer) error {
	return fromCIFARArchive(ctx, "batches.meta.txt", func(r io.Reader) error {
		names, err := readNames(r)
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, strings.Join(names, "\n")+"\n")
		return err
	})
}

func fromCIFARArchive(ctx context.Context, member string, fn func(io.Reader) error) error {
	archive, err := ensure(ctx, CIFAR10Archive)
	if err != nil {
		return err
	}
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	return tarMember(f, member, fn)
}

// tarMember finds the member of a gzip-compressed tar stream whose path is
// member or ends with "/"+member, and passes its contents to fn.
func tarMember(r io.Reader, member string, fn func(io.Reader) error) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("not a gzip archive: %w", err)
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return fmt.Errorf("the archive has no member %q", member)
		}
		if err != nil {
			return fmt.Errorf("reading the archive: %w", err)
		}
		if h.Typeflag == tar.TypeReg && (h.Name == member || strings.HasSuffix(h.Name, "/"+member)) {
			return fn(tr)
		}
	}
}
