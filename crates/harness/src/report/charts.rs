//! The report's charts, drawn with plotters' SVG backend (text is left to the browser, so
//! no font files are needed).

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

pub const WIDTH: u32 = 960;

/// Colours per model (the registry's), so one model keeps its colour on every chart; what
/// is not a model (polars) gets its own.
pub fn model_colour(model: &str) -> RGBColor {
    match crate::models::Model::named(model) {
        Some(m) => {
            let (r, g, b) = m.colour();
            RGBColor(r, g, b)
        }
        None => RGBColor(23, 190, 207),
    }
}

/// A lighter shade for the Python side of the same model.
pub fn python_colour(model: &str) -> RGBColor {
    let RGBColor(r, g, b) = model_colour(model);
    let light = |c: u8| c + (255 - c) / 2;
    RGBColor(light(r), light(g), light(b))
}

/// "0.3 s", "42 ms", "3.1 µs", "850 ns".
pub fn seconds(s: f64) -> String {
    let (value, unit) = if s >= 1.0 {
        (s, "s")
    } else if s >= 1e-3 {
        (s * 1e3, "ms")
    } else if s >= 1e-6 {
        (s * 1e6, "µs")
    } else {
        (s * 1e9, "ns")
    };
    if value >= 100.0 {
        format!("{value:.0} {unit}")
    } else if value >= 10.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.2} {unit}")
    }
}

/// "16 KiB", "4 MiB".
pub fn bytes(b: f64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = b;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.0} {}", UNITS[unit])
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("drawing a chart: {e:?}")
}

/// One bar of a horizontal bar chart.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub colour: RGBColor,
    /// Text printed after the bar (its value, a ratio).
    pub note: String,
    /// The spread drawn across the bar's end: min to max of the repeats, or criterion's
    /// interval (none: one run).
    pub spread: Option<(f64, f64)>,
}

/// Pixels left of a bar chart for its longest label (about 7.5 px a character at 14 px).
fn label_area(rows: &[Bar]) -> u32 {
    let longest = rows.iter().map(|b| b.label.chars().count()).max().unwrap_or(0);
    (20 + longest * 15 / 2).clamp(120, WIDTH as usize / 2) as u32
}

/// The share of a `plot`-pixel-wide chart that bar `b`'s note needs after the bar (about
/// 6.5 px a character at 13 px), at most 0.7.
fn note_share(b: &Bar, plot: f64) -> f64 {
    ((b.note.chars().count() + 3) as f64 * 6.5 / plot).min(0.7)
}

/// The widest range any axis is drawn over: past it (a figure of 1e308 or 5e-324 that got
/// through) plotters' tick search would loop or its arithmetic overflow, so the chart is an
/// error instead.
const WIDEST: f64 = 1e15;

/// `lo..hi` as a log axis, or why not.
fn log_range(title: &str, lo: f64, hi: f64) -> Result<(), String> {
    if lo.is_finite() && hi.is_finite() && lo > 0.0 && hi > lo && hi / lo <= WIDEST {
        Ok(())
    } else {
        Err(format!("{title}: its figures span {lo:e} to {hi:e}, too wide a range to draw"))
    }
}

/// `0..hi` as a linear axis, or why not.
fn linear_range(title: &str, hi: f64) -> Result<(), String> {
    if hi.is_finite() && hi > 0.0 && hi <= WIDEST {
        Ok(())
    } else {
        Err(format!("{title}: its figures reach {hi:e}, too far to draw"))
    }
}

/// Horizontal bars on a log scale of seconds, one row per bar, labels on the left.
pub fn bars(title: &str, x_desc: &str, rows: &[Bar]) -> Result<String, String> {
    bars_in(title, x_desc, rows, seconds)
}

/// [`bars`] on a log scale of anything, its ticks written by `unit`.
pub fn bars_in(title: &str, x_desc: &str, rows: &[Bar], unit: fn(f64) -> String) -> Result<String, String> {
    let mut svg = String::new();
    let height = 110 + 34 * rows.len() as u32;
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        // Room for the longest label on the left, and for every note after its bar on the
        // right: the scale ends far enough to the right that each note fits inside the chart.
        let label_area = label_area(rows);
        let plot = f64::from(WIDTH - label_area - 40);
        let lo = rows.iter().map(|b| b.value).fold(f64::INFINITY, f64::min).max(1e-12) / 3.0;
        let mut hi = rows.iter().map(|b| b.value).fold(0.0, f64::max).max(lo * 10.0) * 1.5;
        for b in rows {
            let share = note_share(b, plot);
            let end = b.spread.map_or(b.value, |(_, high)| high.max(b.value));
            let needed = (end.log10() - share * lo.log10()) / (1.0 - share);
            hi = hi.max(10f64.powf(needed));
        }
        log_range(title, lo, hi)?;
        let n = rows.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(label_area)
            .build_cartesian_2d((lo..hi).log_scale(), (0..n).into_segmented())
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => rows.get(*i).map(|b| b.label.clone()).unwrap_or_default(),
                _ => String::new(),
            })
            .y_label_style(("sans-serif", 14))
            .x_labels(8)
            .x_label_formatter(&|v| unit(*v))
            .x_desc(x_desc)
            .axis_desc_style(("sans-serif", 15))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, b)| {
                let mut bar = Rectangle::new(
                    [(lo, SegmentValue::Exact(i)), (b.value, SegmentValue::Exact(i + 1))],
                    b.colour.filled(),
                );
                bar.set_margin(6, 6, 0, 0);
                bar
            }))
            .map_err(err)?;
        // Whiskers: a black line from the low to the high end of each bar's spread.
        chart
            .draw_series(rows.iter().enumerate().filter_map(|(i, b)| {
                let (low, high) = b.spread?;
                Some(PathElement::new(
                    [(low.max(lo), SegmentValue::CenterOf(i)), (high.max(lo), SegmentValue::CenterOf(i))],
                    BLACK.stroke_width(2),
                ))
            }))
            .map_err(err)?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, b)| {
                let end = b.spread.map_or(b.value, |(_, high)| high.max(b.value));
                Text::new(format!("  {}", b.note), (end, SegmentValue::CenterOf(i)), ("sans-serif", 13))
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Horizontal bars on a linear scale of cores kept busy (CPU time over wall time), with a
/// dashed line at the machine's core count: how many cores each model really used.
pub fn cores(title: &str, rows: &[Bar], machine_cores: usize) -> Result<String, String> {
    let mut svg = String::new();
    let height = 110 + 34 * rows.len() as u32;
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let label_area = label_area(rows);
        let plot = f64::from(WIDTH - label_area - 40);
        // The scale ends past the core count and far enough right for every note.
        let mut hi = rows.iter().map(|b| b.value).fold(machine_cores as f64, f64::max) * 1.1;
        for b in rows {
            let share = note_share(b, plot);
            hi = hi.max(b.value / (1.0 - share));
        }
        linear_range(title, hi)?;
        let n = rows.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(label_area)
            .build_cartesian_2d(0.0..hi, (0..n).into_segmented())
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => rows.get(*i).map(|b| b.label.clone()).unwrap_or_default(),
                _ => String::new(),
            })
            .y_label_style(("sans-serif", 14))
            .x_labels(8)
            .x_label_formatter(&|v| format!("{v:.1}"))
            .x_desc(format!(
                "cores kept busy: CPU time over wall time (grey line: the machine's {machine_cores} cores)"
            ))
            .axis_desc_style(("sans-serif", 15))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, b)| {
                let mut bar = Rectangle::new(
                    [(0.0, SegmentValue::Exact(i)), (b.value, SegmentValue::Exact(i + 1))],
                    b.colour.filled(),
                );
                bar.set_margin(6, 6, 0, 0);
                bar
            }))
            .map_err(err)?;
        let c = machine_cores as f64;
        chart
            .draw_series(std::iter::once(PathElement::new(
                [(c, SegmentValue::Exact(0)), (c, SegmentValue::Exact(n))],
                BLACK.mix(0.6).stroke_width(1),
            )))
            .map_err(err)?;
        chart
            .draw_series(rows.iter().enumerate().map(|(i, b)| {
                Text::new(format!("  {}", b.note), (b.value, SegmentValue::CenterOf(i)), ("sans-serif", 13))
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// A named line of (x, y) points.
#[derive(Debug, Clone)]
pub struct Line {
    pub label: String,
    pub colour: RGBColor,
    pub points: Vec<(f64, f64)>,
}

/// One line of a chart, its points marked, with its legend entry.
fn draw_line<X, Y>(
    chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<X, Y>>,
    line: &Line,
) -> Result<(), String>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let colour = line.colour;
    chart
        .draw_series(LineSeries::new(line.points.clone(), colour.stroke_width(2)))
        .map_err(err)?
        .label(line.label.clone())
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], colour.stroke_width(2)));
    chart.draw_series(line.points.iter().map(|&p| Circle::new(p, 4, colour.filled()))).map_err(err)?;
    Ok(())
}

/// The legend box every line chart uses.
fn draw_legend<'a, X, Y>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>,
    position: SeriesLabelPosition,
) -> Result<(), String>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(200, 200, 200))
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(err)
}

/// Speedup against tasks: a line per model, the ideal `min(K, cores)` dashed, and the core
/// count marked.
/// What a speedup chart's axes and ideal line are called.
#[derive(Debug, Clone)]
pub struct Axes<'a> {
    pub x: &'a str,
    pub y: &'a str,
    /// The dashed line's legend: the ideal, min(x, cores).
    pub ideal: &'a str,
    /// Where the legend goes: a corner no line runs through.
    pub legend: SeriesLabelPosition,
}

/// Speedup against a count (tasks, workers), with the ideal min(x, cores) dashed.
pub fn speedup(title: &str, lines: &[Line], cores: usize, axes: Axes<'_>) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let max_x = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0)).fold(cores as f64, f64::max);
        let max_y =
            lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)).fold(cores as f64, f64::max) * 1.2;
        linear_range(title, max_x)?;
        linear_range(title, max_y)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..max_x * 1.05, 0.0..max_y)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(axes.x)
            .y_desc(axes.y)
            .axis_desc_style(("sans-serif", 15))
            .draw()
            .map_err(err)?;
        // min(K, cores): a rise to the core count, flat after (three points whatever the axis).
        let knee = (cores as f64).min(max_x);
        let ideal: Vec<(f64, f64)> = vec![(0.0, 0.0), (knee, knee), (max_x, knee)];
        chart
            .draw_series(DashedLineSeries::new(ideal, 6, 4, BLACK.stroke_width(1)))
            .map_err(err)?
            .label(axes.ideal)
            .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], BLACK));
        chart
            .draw_series(LineSeries::new(
                [(cores as f64, 0.0), (cores as f64, max_y)],
                RGBColor(200, 200, 200),
            ))
            .map_err(err)?;
        chart
            .draw_series([Text::new(
                format!(" {cores} cores"),
                (cores as f64, max_y * 0.97),
                ("sans-serif", 13),
            )])
            .map_err(err)?;
        for line in lines {
            draw_line(&mut chart, line)?;
        }
        draw_legend(&mut chart, axes.legend)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Time against chunk size (x: powers of two, y: log scale), the fastest point marked.
pub fn chunk_curve(title: &str, lines: &[Line]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        // x is log2(bytes), so ticks fall on whole powers of two (16 KiB, 64 KiB, ...).
        let lines: Vec<Line> = lines
            .iter()
            .map(|l| Line { points: l.points.iter().map(|&(x, y)| (x.log2(), y)).collect(), ..l.clone() })
            .collect();
        let xs = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
        let ys = lines.iter().flat_map(|l| l.points.iter().map(|p| p.1));
        let (min_x, max_x) = xs.fold((f64::INFINITY, 0.0f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
        let (min_y, max_y) = ys.fold((f64::INFINITY, 0.0f64), |(lo, hi), y| (lo.min(y), hi.max(y)));
        // The legend (upper left, about 18 px a line) gets the top of the plot to itself: the
        // scale goes far enough above the slowest point that no curve runs under it.
        let share = ((18 * lines.len() + 24) as f64 / 360.0).min(0.6);
        let bottom = min_y / 1.5;
        let top = 10f64.powf(((max_y * 1.2).log10() - share * bottom.log10()) / (1.0 - share));
        log_range(title, bottom, top)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d((min_x - 1.0)..(max_x + 1.0), (min_y / 1.5..top).log_scale())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("chunk size")
            .y_desc("time for the whole shard")
            .x_labels(((max_x - min_x) as usize + 3).min(12))
            .x_label_formatter(&|v| if v.fract() == 0.0 { bytes(2f64.powf(*v)) } else { String::new() })
            .y_label_formatter(&|v| seconds(*v))
            .axis_desc_style(("sans-serif", 15))
            .draw()
            .map_err(err)?;
        // Each curve's best point is ringed, and said in its legend entry: two curves with
        // their best at the same size never print over each other.
        for line in &lines {
            let mut labelled = line.clone();
            if let Some(&(x, y)) = line.points.iter().min_by(|a, b| a.1.total_cmp(&b.1)) {
                labelled.label =
                    format!("{} (fastest: {} chunks, {})", line.label, bytes(2f64.powf(x)), seconds(y));
                chart.draw_series([Circle::new((x, y), 8, line.colour.stroke_width(2))]).map_err(err)?;
            }
            draw_line(&mut chart, &labelled)?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Plain lines on linear axes from zero (the canary's speed through the run).
pub fn lines(title: &str, x_desc: &str, y_desc: &str, lines: &[Line]) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 360)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let max_x = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0)).fold(1.0, f64::max);
        let max_y = lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)).fold(0.0, f64::max) * 1.3;
        linear_range(title, max_x)?;
        linear_range(title, max_y.max(f64::MIN_POSITIVE))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..max_x * 1.02, 0.0..max_y.max(f64::MIN_POSITIVE))
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .axis_desc_style(("sans-serif", 15))
            .draw()
            .map_err(err)?;
        for line in lines {
            draw_line(&mut chart, line)?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}
