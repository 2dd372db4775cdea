#!/usr/bin/env bash
# End-to-end benchmark: the release binary with every built-in rule over the real-text
# corpus (CA4P-483 HTML, CAPP-130 text, OPP-115 text), and ripgrep over the same files.
#
#   scripts/bench.sh [CORPUS]     CORPUS defaults to $PRIVLINT_CORPUS, else ../shared/corpus
#
# Prints MB/s, files/s, peak memory, the speed-up from one thread to two, the time to
# check one policy in a cold process, and ripgrep's times (installed if missing) for a
# literal keyword scan and for the catalogue's own patterns (minutes; BENCH_RG_REGEX=0 skips).
set -euo pipefail
cd "$(dirname "$0")/.."

corpus="${1:-${PRIVLINT_CORPUS:-../shared/corpus}}"
dirs=("$corpus/ca4p483/raw_data" "$corpus/capp130/Original_policies" "$corpus/en/opp115/original_policies_txt")
for dir in "${dirs[@]}"; do
    if [ ! -d "$dir" ]; then
        echo "bench: $dir not found; set PRIVLINT_CORPUS or pass the corpus folder. Skipped."
        exit 0
    fi
done

runs="${BENCH_RUNS:-3}"
cargo build --release --quiet
bin=target/release/privlint

bytes=$(find "${dirs[@]}" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
files=$(find "${dirs[@]}" -type f | wc -l)
# Warm the page cache so that the figures measure privlint, not the disk.
find "${dirs[@]}" -type f -exec cat {} + > /dev/null

now() { date +%s.%N; }

# The best of $runs wall-clock times of a command, in seconds.
best_time() {
    local best=""
    for _ in $(seq "$runs"); do
        local start end took
        start=$(now)
        "$@" > /dev/null 2>&1 || true
        end=$(now)
        took=$(echo "$end - $start" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$took < $best" | bc -l)" = 1 ]; then best=$took; fi
    done
    echo "$best"
}

# Peak resident memory of one run, in MB.
peak_mb() {
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident/ {printf "%.0f", $2 / 1024}'
    else
        "$@" > /dev/null 2>&1 &
        local pid=$! peak=0 rss
        while kill -0 "$pid" 2>/dev/null; do
            rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
            [ "${rss:-0}" -gt "$peak" ] && peak=$rss
            sleep 0.05
        done
        wait "$pid" || true
        echo $((peak / 1024))
    fi
}

check=("$bin" check --isolated --format json --fail-on never "${dirs[@]}")
mb=$(echo "$bytes / 1000000" | bc -l)
echo "corpus: $files files, $(printf '%.1f' "$mb") MB"

two=$(RAYON_NUM_THREADS=2 best_time "${check[@]}")
one=$(RAYON_NUM_THREADS=1 best_time "${check[@]}")
printf 'privlint, 2 threads: %.2f s  %.1f MB/s  %.0f files/s\n' "$two" "$(echo "$mb / $two" | bc -l)" "$(echo "$files / $two" | bc -l)"
printf 'privlint, 1 thread:  %.2f s  %.1f MB/s\n' "$one" "$(echo "$mb / $one" | bc -l)"
printf 'speed-up 1 -> 2 threads: %.2fx\n' "$(echo "$one / $two" | bc -l)"
echo "peak memory, 2 threads: $(RAYON_NUM_THREADS=2 peak_mb "${check[@]}") MB"
if [ -x /usr/bin/time ]; then
    # CPU time varies less than wall-clock time when other jobs share the cores.
    cpu=$(RAYON_NUM_THREADS=2 /usr/bin/time -f '%U %S' "${check[@]}" 2>&1 >/dev/null | tail -1 | awk '{print $1 + $2}')
    printf 'CPU time, 2 threads: %.2f s  %.1f MB per CPU-second\n' "$cpu" "$(echo "$mb / $cpu" | bc -l)"
fi

# One policy in a fresh process: of typical size (the median of the Chinese text policies),
# and a long one (the 90th percentile).
for percentile in 50 90; do
    policy=$(find "$corpus/capp130/Original_policies" -type f -printf '%s %p\n' | sort -n |
        awk -v p="$percentile" '{a[NR] = $2} END {print a[int((NR * p + 99) / 100)]}')
    cold=$(runs=$((runs * 5)) best_time "$bin" check --isolated --format json "$policy")
    printf 'one policy in a cold process, %sth percentile size (%s bytes): %.1f ms\n' \
        "$percentile" "$(stat -c %s "$policy")" "$(echo "$cold * 1000" | bc -l)"
done

if ! command -v rg > /dev/null; then
    # The comparison is part of the benchmark: install ripgrep where it is missing.
    { apt-get install -y -qq ripgrep || cargo install --quiet --locked ripgrep --root target/tools; } > /dev/null 2>&1 || true
    export PATH="$PWD/target/tools/bin:$PATH"
fi
if command -v rg > /dev/null; then
    # Literal keywords of the rule catalogue: what a plain keyword scan costs.
    keywords=(个人信息 收集 使用 共享 转让 公开披露 第三方 同意 撤回 注销 删除 更正 查阅 复制 儿童 未成年 \
        敏感 生物识别 位置 通讯录 设备信息 存储 保存期限 境外 出境 联系我们 投诉 权限 SDK 安全事件 \
        "personal information" "personal data" collect share "third part" consent withdraw delete \
        children retain retention transfer "contact us" security cookies)
    args=()
    for k in "${keywords[@]}"; do args+=(-e "$k"); done
    rg_time=$(best_time rg -c -F -i "${args[@]}" "${dirs[@]}")
    printf 'ripgrep, %d literal keywords: %.2f s  %.1f MB/s\n' "${#keywords[@]}" "$rg_time" "$(echo "$mb / $rg_time" | bc -l)"
    # Every built-in pattern of the catalogue, as one ripgrep run (minutes: run once).
    if [ "${BENCH_RG_REGEX:-1}" = 1 ]; then
        patterns=target/bench-patterns.txt
        cargo run --release --quiet --example patterns > "$patterns"
        runs=1 rg_time=$(best_time rg -c -f "$patterns" "${dirs[@]}")
        printf 'ripgrep, the %d built-in patterns: %.2f s  %.2f MB/s\n' "$(wc -l < "$patterns")" "$rg_time" "$(echo "$mb / $rg_time" | bc -l)"
    fi
else
    echo "ripgrep not installed and could not be installed: no comparison"
fi
