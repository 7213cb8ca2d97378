//! A benchmark's result: throughput and the latency distribution
//! (HdrHistogram, microsecond resolution), printed as text or JSON, and
//! written as a CSV percentile distribution and an SVG plot.

use std::path::Path;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde_json::json;

/// Latencies are recorded in microseconds, from 1 µs to an hour.
pub(crate) fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid bounds")
}

/// What one run measured.
#[derive(Debug)]
pub(crate) struct Report {
    pub(crate) name: &'static str,
    pub(crate) records: u64,
    pub(crate) bytes: u64,
    pub(crate) elapsed: Duration,
    /// Latency in microseconds; what it measures depends on the benchmark.
    pub(crate) latency: Histogram<u64>,
    /// What the latency is (shown beside the figures).
    pub(crate) latency_of: &'static str,
}

impl Report {
    pub(crate) fn records_per_sec(&self) -> f64 {
        self.records as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub(crate) fn mb_per_sec(&self) -> f64 {
        self.bytes as f64 / 1_000_000.0 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn ms(&self, quantile: f64) -> f64 {
        self.latency.value_at_quantile(quantile) as f64 / 1000.0
    }

    pub(crate) fn to_json(&self) -> serde_json::Value {
        json!({
            "benchmark": self.name,
            "records": self.records,
            "bytes": self.bytes,
            "seconds": self.elapsed.as_secs_f64(),
            "records_per_sec": self.records_per_sec(),
            "mb_per_sec": self.mb_per_sec(),
            "latency_of": self.latency_of,
            "p50_ms": self.ms(0.5),
            "p99_ms": self.ms(0.99),
            "p999_ms": self.ms(0.999),
            "max_ms": self.latency.max() as f64 / 1000.0,
        })
    }

    pub(crate) fn to_text(&self) -> String {
        format!(
            "{}: {} records, {:.1} MB in {:.2} s: {:.0} records/s, {:.1} MB/s\n\
             latency ({}): p50 {:.3} ms, p99 {:.3} ms, p99.9 {:.3} ms, max {:.3} ms\n",
            self.name,
            self.records,
            self.bytes as f64 / 1e6,
            self.elapsed.as_secs_f64(),
            self.records_per_sec(),
            self.mb_per_sec(),
            self.latency_of,
            self.ms(0.5),
            self.ms(0.99),
            self.ms(0.999),
            self.latency.max() as f64 / 1000.0,
        )
    }

    /// The percentile distribution as CSV: latency_ms, percentile, count.
    pub(crate) fn write_csv(&self, path: &Path) -> Result<(), String> {
        let mut out = String::from("latency_ms,percentile,count\n");
        for v in self.latency.iter_quantiles(5) {
            out.push_str(&format!(
                "{:.3},{:.6},{}\n",
                v.value_iterated_to() as f64 / 1000.0,
                v.quantile_iterated_to() * 100.0,
                v.count_since_last_iteration()
            ));
        }
        std::fs::write(path, out).map_err(|e| format!("--csv {}: {e}", path.display()))
    }

    /// The latency by percentile as an SVG plot, the tail spread out (the
    /// x axis counts nines: 90, 99, 99.9, ...).
    pub(crate) fn write_plot(&self, path: &Path) -> Result<(), String> {
        use plotters::prelude::*;
        let points: Vec<(f64, f64)> = self
            .latency
            .iter_quantiles(5)
            .map(|v| (nines(v.quantile_iterated_to()), v.value_iterated_to() as f64 / 1000.0))
            .collect();
        let max_x = points.iter().map(|p| p.0).fold(1.0, f64::max);
        let max_y = points.iter().map(|p| p.1).fold(0.001, f64::max) * 1.1;
        let fail = |e: &dyn std::fmt::Display| format!("--plot {}: {e}", path.display());
        let root = SVGBackend::new(path, (900, 500)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let caption = format!("{} latency ({}), {:.0} records/s", self.name, self.latency_of, self.records_per_sec());
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 18))
            .margin(15)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..max_x, 0.0..max_y)
            .map_err(|e| fail(&e))?;
        chart
            .configure_mesh()
            .x_desc("percentile")
            .y_desc("latency (ms)")
            .x_label_formatter(&|x| percentile_label(*x))
            .draw()
            .map_err(|e| fail(&e))?;
        chart.draw_series(LineSeries::new(points, &BLUE)).map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))
    }
}

/// How many nines a quantile has: 0.9 → 1, 0.99 → 2 (capped at 6).
fn nines(q: f64) -> f64 {
    (-(1.0 - q).max(1e-6).log10()).max(0.0)
}

fn percentile_label(nines: f64) -> String {
    let p = 100.0 * (1.0 - 10f64.powf(-nines));
    format!("p{}", (p * 1000.0).round() / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        let mut latency = histogram();
        for us in 1..=10_000u64 {
            latency.record(us).unwrap();
        }
        Report {
            name: "produce",
            records: 10_000,
            bytes: 10_000_000,
            elapsed: Duration::from_secs(2),
            latency,
            latency_of: "send to acknowledgement",
        }
    }

    #[test]
    fn json_has_the_promised_fields() {
        let v = report().to_json();
        assert_eq!(v["records_per_sec"], 5000.0);
        assert_eq!(v["mb_per_sec"], 5.0);
        for key in ["p50_ms", "p99_ms", "p999_ms", "max_ms"] {
            assert!(v[key].as_f64().unwrap() > 0.0, "{key}");
        }
        let p99 = v["p99_ms"].as_f64().unwrap();
        assert!((9.8..10.0).contains(&p99), "{p99}");
    }

    #[test]
    fn csv_and_plot_are_written() {
        let dir = std::env::temp_dir().join(format!("strata-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let r = report();
        r.write_csv(&dir.join("l.csv")).unwrap();
        r.write_plot(&dir.join("l.svg")).unwrap();
        let csv = std::fs::read_to_string(dir.join("l.csv")).unwrap();
        assert!(csv.starts_with("latency_ms,percentile,count\n") && csv.lines().count() > 10);
        let svg = std::fs::read_to_string(dir.join("l.svg")).unwrap();
        assert!(svg.contains("<svg") && svg.contains("polyline"));
        std::fs::remove_dir_all(dir).unwrap();
        assert_eq!(percentile_label(2.0), "p99");
        assert_eq!(percentile_label(3.0), "p99.9");
    }
}
