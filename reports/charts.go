package reports

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// chart is one figure: a grid of plots drawn on a W x H canvas.
type chart struct {
	Name  string // file name stem for -charts, e.g. "curve_val_top1"
	Title string // accessible description
	W, H  vg.Length
	Rows  [][]*plot.Plot
	// Side, if set, is a legend drawn to the right of the single plot,
	// outside its data area, SideW wide.
	Side  *plot.Legend
	SideW vg.Length
}

// palette is Tableau 10: distinguishable, and still readable when printed
// in grey because lines also differ in dashes and glyphs.
var palette = []color.Color{
	rgb(0x4e, 0x79, 0xa7), rgb(0xf2, 0x8e, 0x2b), rgb(0xe1, 0x57, 0x59), rgb(0x76, 0xb7, 0xb2),
	rgb(0x59, 0xa1, 0x4f), rgb(0xed, 0xc9, 0x48), rgb(0xb0, 0x7a, 0xa1), rgb(0xff, 0x9d, 0xa7),
	rgb(0x9c, 0x75, 0x5f), rgb(0xba, 0xb0, 0xac),
}

func rgb(r, g, b uint8) color.RGBA { return color.RGBA{R: r, G: g, B: b, A: 255} }

func paletteColor(i int) color.Color { return palette[i%len(palette)] }

// sans is the typeface of every chart text. Its metrics come from the
// fonts compiled into gonum/plot, so layout does not depend on the machine.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// newPlot returns a plot with sans-serif text, a title and axis labels.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	for _, st := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font, &p.Legend.TextStyle.Font} {
		size := st.Size
		*st = sans
		st.Size = size
	}
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Title.Padding = vg.Points(6)
	p.Y.Tick.Marker = uniqueTicks{}
	return p
}

// render draws the chart on c.
func (ch *chart) render(c vg.CanvasSizer) (err error) {
	defer func() {
		// gonum/plot reports some layout problems by panicking.
		if r := recover(); r != nil {
			err = fmt.Errorf("reports: chart %s: %v", ch.Name, r)
		}
	}()
	dc := draw.New(c)
	rows, cols := len(ch.Rows), len(ch.Rows[0])
	if rows == 1 && cols == 1 {
		if ch.Side == nil {
			ch.Rows[0][0].Draw(dc)
			return nil
		}
		ch.Rows[0][0].Draw(draw.Crop(dc, 0, -ch.SideW, 0, 0))
		ch.Side.Draw(draw.Crop(dc, ch.W-ch.SideW+sidePad, -sidePad, 0, -vg.Points(28)))
		return nil
	}
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(14), PadY: vg.Points(14),
		PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
	canvases := plot.Align(ch.Rows, tiles, dc)
	for i := range ch.Rows {
		for j, p := range ch.Rows[i] {
			p.Draw(canvases[i][j])
		}
	}
	return nil
}

// svg renders the chart as a standalone SVG document (fonts are named,
// not embedded, so the text is small and stable).
func (ch *chart) svg() ([]byte, error) {
	return ch.encode(vgsvg.New(ch.W, ch.H))
}

// png renders the chart at 144 dpi on white.
func (ch *chart) png() ([]byte, error) {
	return ch.encode(vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(ch.W, ch.H), vgimg.UseDPI(144),
		vgimg.UseBackgroundColor(color.White))})
}

// encode renders the chart on c and returns c's encoded image.
func (ch *chart) encode(c vg.CanvasWriterTo) ([]byte, error) {
	if err := ch.render(c); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("reports: chart %s: %w", ch.Name, err)
	}
	return b.Bytes(), nil
}

// inlineSVG turns a standalone SVG document into an element for an HTML
// page: no XML prolog, no namespace URLs (the HTML parser supplies the SVG
// namespace), a viewBox that scales with the page and an aria-label.
func inlineSVG(doc []byte, title string) (template.HTML, error) {
	s := string(doc)
	start := strings.Index(s, "<svg")
	if start < 0 {
		return "", fmt.Errorf("reports: chart %q: renderer wrote no <svg> element", title)
	}
	s = s[start:]
	end := strings.IndexByte(s, '>')
	open := s[:end]
	i := strings.Index(open, `viewBox="`)
	if i < 0 {
		return "", fmt.Errorf("reports: chart %q: <svg> element has no viewBox", title)
	}
	j := strings.IndexByte(open[i+len(`viewBox="`):], '"')
	viewBox := open[i : i+len(`viewBox="`)+j+1]
	tag := fmt.Sprintf(`<svg class="chart" %s role="img" aria-label="%s">`, viewBox, html.EscapeString(title))
	// vgsvg escapes every text it draws, so the body is safe to inline.
	return template.HTML(tag + s[end+1:]), nil
}

// writeChartFiles writes each chart as name.svg and name.png into dir.
func writeChartFiles(dir string, charts []*chart) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("reports: charts dir: %w", err)
	}
	for _, ch := range charts {
		svg, err := ch.svg()
		if err != nil {
			return err
		}
		png, err := ch.png()
		if err != nil {
			return err
		}
		if err := writeAtomic(filepath.Join(dir, ch.Name+".svg"), svg); err != nil {
			return err
		}
		if err := writeAtomic(filepath.Join(dir, ch.Name+".png"), png); err != nil {
			return err
		}
	}
	return nil
}

// sidePad is the space around a side legend.
const sidePad = vg.Length(10)

// sideLegend returns an empty legend styled for the right of a chart.
func sideLegend() *plot.Legend {
	l := plot.NewLegend()
	l.TextStyle.Font = sans
	l.TextStyle.Font.Size = vg.Points(10)
	l.Top, l.Left = true, true
	l.Padding = vg.Points(3)
	return &l
}

// sideWidth is the width a side legend needs, padding included.
func sideWidth(l *plot.Legend) vg.Length {
	r := l.Rectangle(draw.Canvas{})
	return r.Max.X - r.Min.X + 2*sidePad
}

// legendText shortens a legend label to at most 40 characters.
func legendText(s string) string {
	r := []rune(s)
	if len(r) <= 40 {
		return s
	}
	return string(r[:39]) + "…"
}

// intTicks labels whole numbers only (epochs), at most about ten of them.
type intTicks struct{}

func (intTicks) Ticks(min, max float64) []plot.Tick {
	lo, hi := math.Ceil(min), math.Floor(max)
	if math.IsNaN(lo) || math.IsNaN(hi) || hi < lo {
		return nil
	}
	step := math.Max(1, math.Ceil((hi-lo)/10))
	var ts []plot.Tick
	for v := lo; v <= hi; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: fmt.Sprintf("%.0f", v)})
	}
	return ts
}

// padY adds 5% headroom above and below the data so lines do not touch
// the frame and the legend has a little room.
func padY(p *plot.Plot) {
	span := p.Y.Max - p.Y.Min
	if span <= 0 || math.IsNaN(span) || math.IsInf(span, 0) {
		return
	}
	p.Y.Min -= 0.05 * span
	p.Y.Max += 0.05 * span
}
