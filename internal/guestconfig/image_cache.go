//go:generate go tool packer-sdc struct-markdown

package guestconfig

import (
	"fmt"

	"github.com/packer-centos/packer-plugin-centos/internal/sizes"
)

// ImageCacheConfig is the image cache a build keeps in the storage pool of
// a remote hypervisor: see the remote hypervisors page.
type ImageCacheConfig struct {
	// Whether a source image that goes into a storage pool (a remote
	// `libvirt_uri`, or `storage_pool` set) is kept there, named by the
	// sha256 of its content, for later builds on that host to reuse
	// instead of uploading it again. Defaults to `true`; without a storage
	// pool there is nothing to upload and this does nothing.
	ImageCache *bool `mapstructure:"image_cache" required:"false"`
	// The most the cached images may take up together in the pool, as
	// `disk_size` is written (`"50G"`). After an upload, the least
	// recently used images over it that no build is using are deleted.
	// Defaults to `20G`.
	ImageCacheSize string `mapstructure:"image_cache_size" required:"false"`

	maxBytes int64
}

// defaultImageCacheSize holds some ten CentOS cloud images and an ISO.
const defaultImageCacheSize = "20G"

// Prepare checks the cache's size.
func (c *ImageCacheConfig) Prepare() []error {
	if c.ImageCacheSize == "" {
		c.ImageCacheSize = defaultImageCacheSize
	}
	n, err := sizes.Parse(c.ImageCacheSize)
	if err != nil {
		return []error{fmt.Errorf("image_cache_size: %w; write it as disk_size is, e.g. \"50G\"", err)}
	}
	c.maxBytes = n
	return nil
}

// Caches tells whether source images go into the cache.
func (c *ImageCacheConfig) Caches() bool { return c.ImageCache == nil || *c.ImageCache }

// MaxBytes is the cap on the cached images' total size.
func (c *ImageCacheConfig) MaxBytes() int64 { return c.maxBytes }
