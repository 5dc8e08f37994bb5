package web

import (
	"fmt"
	"math"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"vitrine/internal/i18n"
	"vitrine/internal/maturity"
)

// Charts and QR codes are drawn on the server as SVG: no script, no inline
// style (colours come from the stylesheet's classes), and printable. Every
// chart's numbers are also written out as text beside it.

// barChart is a horizontal bar chart; templates/layout/partials.html draws
// it ("bar-chart").
type barChart struct {
	ID     string // prefix of the ids of its title and description
	Title  string
	Desc   string
	Width  int
	Height int
	Bars   []bar
}

type bar struct {
	Label  string
	Value  string // written at the end of the bar
	LabelY int
	BarY   int
	Width  int // of the bar
	Track  int // width of the whole track
	ValueX int
	Class  string // "bar-low", "bar-mid", "bar-high"
}

// chart layout, in SVG units (the chart scales to its container).
const (
	chartWidth = 320
	trackWidth = 250
	rowHeight  = 46
	barHeight  = 16
)

type barItem struct {
	Label string
	Value float64
	Text  string
}

// newBarChart lays out bars from 0 to max.
func newBarChart(id, title, desc string, items []barItem, max float64) barChart {
	c := barChart{ID: id, Title: title, Desc: desc, Width: chartWidth, Height: rowHeight*len(items) + 4}
	for i, it := range items {
		w := 0
		if max > 0 {
			w = int(math.Round(math.Min(math.Max(it.Value, 0), max) / max * trackWidth))
		}
		class := "bar-mid"
		switch share := it.Value / math.Max(max, 1); {
		case share < 0.34:
			class = "bar-low"
		case share >= 0.67:
			class = "bar-high"
		}
		y := i * rowHeight
		c.Bars = append(c.Bars, bar{Label: it.Label, Value: it.Text, LabelY: y + 15, BarY: y + 22, Width: w,
			Track: trackWidth, ValueX: trackWidth + 8, Class: class})
	}
	return c
}

// scoreChart draws a result's dimension scores (0–100).
func scoreChart(l *i18n.Localizer, dims []maturity.DimensionScore) barChart {
	items := make([]barItem, len(dims))
	for i, d := range dims {
		items[i] = barItem{Label: d.Name, Value: d.Score, Text: l.Decimal(d.Score)}
	}
	return newBarChart("scores", l.T("diagnostic.result.chart_title"), l.T("diagnostic.result.chart_desc"), items, 100)
}

// qrCode is a QR code as one SVG path, one unit per module.
type qrCode struct {
	Size int
	Path string
}

// newQRCode encodes text (a short link) with medium error correction.
func newQRCode(text string) (qrCode, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return qrCode{}, fmt.Errorf("QR code: %w", err)
	}
	bm := q.Bitmap() // with its quiet zone
	var b strings.Builder
	for y, row := range bm {
		for x := 0; x < len(row); x++ {
			if !row[x] {
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x, y, run, run)
			x += run - 1
		}
	}
	return qrCode{Size: len(bm), Path: b.String()}, nil
}

// qrPNG encodes text as a PNG image of size pixels, for slides and print.
func qrPNG(text string, size int) ([]byte, error) {
	return qrcode.Encode(text, qrcode.Medium, size)
}
