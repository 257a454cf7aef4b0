#!/bin/sh
# make-clip.sh OUTDIR: writes the load peer's media, OUTDIR/clip.ivf (VP8, 640x480 at
# 30 fps, about 1 Mbit/s, a keyframe every 2 s) and OUTDIR/clip.ogg (Opus, 48 kHz
# stereo, 20 ms packets), 10 s each, encoded once by ffmpeg from its test sources so
# that publishing later costs no encoder. Does nothing when both are there.
set -eu
out=$1
[ -s "$out/clip.ivf" ] && [ -s "$out/clip.ogg" ] && exit 0
mkdir -p "$out"
ffmpeg -loglevel error -y -f lavfi -i testsrc2=size=640x480:rate=30 -t 10 \
  -c:v libvpx -b:v 1M -minrate 1M -maxrate 1M -g 60 -deadline realtime -cpu-used 8 \
  -f ivf "$out/clip.ivf.tmp"
ffmpeg -loglevel error -y -f lavfi -i sine=frequency=440:sample_rate=48000 -ac 2 -t 10 \
  -c:a libopus -b:a 48k -frame_duration 20 -f ogg "$out/clip.ogg.tmp"
mv "$out/clip.ivf.tmp" "$out/clip.ivf"
mv "$out/clip.ogg.tmp" "$out/clip.ogg"
