package notebooks

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// A notebook's key figure is the first figure of its first cell tagged
// "thumbnail" (Jupyter's cell tags), else its first figure. A figure is an
// image/png output, a PNG inside an HTML output (a data: URI), or an SVG
// inside an HTML output (lib/plots shows gonum plots so). Its thumbnail is
// a PNG ThumbWidth pixels wide: a PNG is downscaled by averaging the source
// pixels under each thumbnail pixel (a box filter: no aliasing, no ringing);
// an SVG is first rasterized at twice that width by headless Chromium when
// it is installed, or else kept as a scaled SVG.

// ThumbWidth is the width of the gallery's thumbnails, in pixels.
const ThumbWidth = 320

// ThumbnailTag is the cell tag that marks the cell holding a notebook's key figure.
const ThumbnailTag = "thumbnail"

var (
	pngDataURI = regexp.MustCompile(`src="data:image/png;base64,([A-Za-z0-9+/=\s]+)"`)
	svgElement = regexp.MustCompile(`(?s)<svg\b.*?</svg>`)
	svgSize    = regexp.MustCompile(`<svg\b[^>]*?\bwidth="([0-9.]+)(?:pt|px)?"[^>]*?\bheight="([0-9.]+)(?:pt|px)?"`)
)

type figure struct {
	png []byte // decoded PNG bytes, or
	svg string // an SVG element
}

// keyFigure finds the notebook's key figure (nil if it has none).
func keyFigure(nb *ipynb) *figure {
	first := func(tagged bool) *figure {
		for _, c := range nb.Cells {
			if tagged && !hasTag(c.Metadata.Tags, ThumbnailTag) {
				continue
			}
			for _, o := range c.Outputs {
				if p, ok := o.Data["image/png"]; ok {
					if b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(JoinSource(p)), "")); err == nil {
						return &figure{png: b}
					}
				}
				h, ok := o.Data["text/html"]
				if !ok {
					continue
				}
				s := JoinSource(h)
				svg := svgElement.FindStringIndex(s)
				img := pngDataURI.FindStringSubmatchIndex(s)
				if img != nil && (svg == nil || img[0] < svg[0]) {
					if b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s[img[2]:img[3]]), "")); err == nil {
						return &figure{png: b}
					}
				}
				if svg != nil && svgSize.MatchString(s[svg[0]:svg[1]]) {
					return &figure{svg: s[svg[0]:svg[1]]}
				}
			}
		}
		return nil
	}
	if f := first(true); f != nil {
		return f
	}
	return first(false)
}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

// writeThumbnail writes the key figure of an executed notebook into
// dir/thumbs/NAME.png (or .svg) and returns its path relative to dir, or ""
// when the notebook has no figure.
func writeThumbnail(nb *ipynb, dir, name string) (string, error) {
	f := keyFigure(nb)
	if f == nil {
		return "", nil
	}
	if err := os.MkdirAll(filepath.Join(dir, ThumbsDir), 0o755); err != nil {
		return "", err
	}
	rel := filepath.ToSlash(filepath.Join(ThumbsDir, name+".png"))
	for _, ext := range []string{".png", ".svg"} { // a thumbnail of an earlier run, of either kind
		os.Remove(filepath.Join(dir, ThumbsDir, name+ext))
	}
	src := f.png
	if f.svg != "" {
		var err error
		if src, err = rasterizeSVG(f.svg, 2*ThumbWidth); err != nil {
			// No Chromium: the figure itself, scaled by the browser, is the thumbnail.
			rel = filepath.ToSlash(filepath.Join(ThumbsDir, name+".svg"))
			svg := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + f.svg
			return rel, os.WriteFile(filepath.Join(dir, rel), []byte(svg), 0o644)
		}
	}
	img, err := png.Decode(bytes.NewReader(src))
	if err != nil {
		return "", fmt.Errorf("the key figure of %s is not a readable PNG: %w", name, err)
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, Downscale(img, ThumbWidth)); err != nil {
		return "", err
	}
	return rel, os.WriteFile(filepath.Join(dir, rel), buf.Bytes(), 0o644)
}

// Downscale returns img scaled to width pixels wide (the height in
// proportion), each pixel the area-weighted mean of the source pixels it
// covers; an image no wider than width is returned as it is.
func Downscale(img image.Image, width int) image.Image {
	b := img.Bounds()
	if b.Dx() <= width || width <= 0 {
		return img
	}
	height := max(1, (b.Dy()*width+b.Dx()/2)/b.Dx())
	src := image.NewNRGBA64(b)
	draw.Draw(src, b, img, b.Min, draw.Src)
	dst := image.NewNRGBA(image.Rect(0, 0, width, height))
	sx := float64(b.Dx()) / float64(width)
	sy := float64(b.Dy()) / float64(height)
	for y := 0; y < height; y++ {
		y0, y1 := float64(y)*sy, float64(y+1)*sy
		for x := 0; x < width; x++ {
			x0, x1 := float64(x)*sx, float64(x+1)*sx
			var r, g, bl, a, wsum float64
			for j := int(y0); float64(j) < y1 && j < b.Dy(); j++ {
				wy := min(y1, float64(j+1)) - max(y0, float64(j))
				for i := int(x0); float64(i) < x1 && i < b.Dx(); i++ {
					w := wy * (min(x1, float64(i+1)) - max(x0, float64(i)))
					c := src.NRGBA64At(b.Min.X+i, b.Min.Y+j)
					// Average premultiplied colours, so transparent pixels add no colour.
					al := float64(c.A) / 0xffff
					r += w * float64(c.R) * al
					g += w * float64(c.G) * al
					bl += w * float64(c.B) * al
					a += w * al
					wsum += w
				}
			}
			if a == 0 {
				dst.SetNRGBA(x, y, color.NRGBA{})
				continue
			}
			dst.SetNRGBA(x, y, color.NRGBA{
				R: uint8(r/a/0xffff*255 + 0.5), G: uint8(g/a/0xffff*255 + 0.5), B: uint8(bl/a/0xffff*255 + 0.5),
				A: uint8(a/wsum*255 + 0.5)})
		}
	}
	return dst
}

// rasterizeSVG renders an SVG element width pixels wide on white with
// headless Chromium and returns the PNG.
func rasterizeSVG(svg string, width int) ([]byte, error) {
	chromium := ""
	for _, c := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(c); err == nil {
			chromium = p
			break
		}
	}
	if chromium == "" {
		return nil, fmt.Errorf("no chromium to rasterize the figure")
	}
	m := svgSize.FindStringSubmatch(svg)
	w, _ := strconv.ParseFloat(m[1], 64)
	h, _ := strconv.ParseFloat(m[2], 64)
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("figure of size %gx%g", w, h)
	}
	height := int(float64(width)*h/w + 0.5)
	tmp, err := os.MkdirTemp("", "physnb-thumb-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	// The SVG fills the window: its own width and height give way to the window's.
	scaled := strings.Replace(svg, m[0], strings.Replace(strings.Replace(m[0], `width="`+m[1], `data-w="`+m[1], 1), `height="`+m[2], `data-h="`+m[2], 1), 1)
	scaled = strings.Replace(scaled, "<svg", fmt.Sprintf(`<svg width="%d" height="%d" preserveAspectRatio="xMidYMid meet"`, width, height), 1)
	page := "<!DOCTYPE html><html><head><style>html,body{margin:0;background:#fff;overflow:hidden}</style></head><body>" + scaled + "</body></html>"
	pagePath := filepath.Join(tmp, "figure.html")
	if err := os.WriteFile(pagePath, []byte(page), 0o644); err != nil {
		return nil, err
	}
	shot := filepath.Join(tmp, "figure.png")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
		"--user-data-dir="+filepath.Join(tmp, "profile"), fmt.Sprintf("--window-size=%d,%d", width, height),
		"--screenshot="+shot, "file://"+pagePath)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("chromium: %v: %s", err, LastLines(string(out), 5))
	}
	return os.ReadFile(shot)
}
